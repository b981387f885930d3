//! Failed password logins, counted per login name and per client address, in memory: a
//! restart forgets them, which a reference server accepts (the window is 15 minutes).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Failures counted over this window.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures for one login name within the window before it is refused.
pub const PER_NAME: usize = 5;
/// Failures from one address within the window before it is refused: higher, since an
/// office behind one NAT shares it.
pub const PER_ADDRESS: usize = 20;
/// Above this many tracked keys, stale ones are dropped on the next attempt.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Default)]
pub struct Throttle {
    by_name: HashMap<String, VecDeque<Instant>>,
    by_address: HashMap<IpAddr, VecDeque<Instant>>,
}

/// An attempt let through: it counts as a failure until [`Throttle::succeeded`] says
/// otherwise, so parallel guesses cannot all slip past the check before any has failed.
#[must_use]
pub struct Attempt {
    name: String,
    address: IpAddr,
    at: Instant,
}

impl Throttle {
    /// `Err(seconds to wait)` when the name or the address has used up its failures.
    pub fn begin(&mut self, name: &str, address: IpAddr, now: Instant) -> Result<Attempt, u64> {
        if self.by_name.len() + self.by_address.len() > PRUNE_ABOVE {
            self.prune(now);
        }
        let name_wait = wait(self.by_name.get_mut(name), PER_NAME, now);
        let address_wait = wait(self.by_address.get_mut(&address), PER_ADDRESS, now);
        if let Some(secs) = name_wait.max(address_wait) {
            return Err(secs);
        }
        self.by_name
            .entry(name.to_owned())
            .or_default()
            .push_back(now);
        self.by_address.entry(address).or_default().push_back(now);
        Ok(Attempt {
            name: name.to_owned(),
            address,
            at: now,
        })
    }

    /// The password was right: this name starts afresh. The address keeps its other
    /// failures, so one good account does not reset guesses at others from the same place.
    pub fn succeeded(&mut self, attempt: Attempt) {
        self.by_name.remove(&attempt.name);
        if let Some(list) = self.by_address.get_mut(&attempt.address) {
            if let Some(i) = list.iter().rposition(|at| *at == attempt.at) {
                list.remove(i);
            }
            if list.is_empty() {
                self.by_address.remove(&attempt.address);
            }
        }
    }

    fn prune(&mut self, now: Instant) {
        self.by_name.retain(|_, list| {
            forget_old(list, now);
            !list.is_empty()
        });
        self.by_address.retain(|_, list| {
            forget_old(list, now);
            !list.is_empty()
        });
    }
}

fn forget_old(list: &mut VecDeque<Instant>, now: Instant) {
    while list
        .front()
        .is_some_and(|at| now.saturating_duration_since(*at) >= WINDOW)
    {
        list.pop_front();
    }
}

/// Seconds until the oldest failure in the window leaves it, if `limit` are in it.
fn wait(list: Option<&mut VecDeque<Instant>>, limit: usize, now: Instant) -> Option<u64> {
    let list = list?;
    forget_old(list, now);
    if list.len() < limit {
        return None;
    }
    // The one whose leaving brings the count below the limit.
    let freeing = list[list.len() - limit];
    let left = WINDOW.saturating_sub(now.saturating_duration_since(freeing));
    Some(left.as_secs() + u64::from(left.subsec_nanos() > 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    fn ip(n: u8) -> IpAddr {
        IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, n))
    }

    #[test]
    fn five_failures_lock_the_name_until_the_first_leaves_the_window() {
        let mut t = Throttle::default();
        let start = Instant::now();
        for i in 0..PER_NAME {
            let _failed = t
                .begin("alice", HOME, start + Duration::from_secs(i as u64))
                .unwrap();
        }
        let later = start + Duration::from_secs(60);
        assert_eq!(
            t.begin("alice", HOME, later).err(),
            Some(WINDOW.as_secs() - 60)
        );
        assert!(t.begin("bob", HOME, later).is_ok(), "another name is free");
        assert!(t.begin("alice", HOME, start + WINDOW).is_ok());
    }

    #[test]
    fn success_clears_its_own_name_only() {
        let mut t = Throttle::default();
        let now = Instant::now();
        for _ in 0..PER_NAME - 1 {
            let _ = t.begin("bob", HOME, now).unwrap();
            let _ = t.begin("alice", HOME, now).unwrap();
        }
        let good = t.begin("alice", HOME, now).unwrap();
        t.succeeded(good);
        for _ in 0..PER_NAME - 1 {
            let _ = t.begin("alice", HOME, now).unwrap();
        }
        let _ = t.begin("bob", HOME, now).unwrap();
        assert!(t.begin("bob", HOME, now).is_err(), "bob's count survived");
    }

    #[test]
    fn twenty_failures_lock_the_address_for_every_name() {
        let mut t = Throttle::default();
        let now = Instant::now();
        for i in 0..PER_ADDRESS {
            let _ = t.begin(&format!("user{i}"), ip(1), now).unwrap();
        }
        assert_eq!(t.begin("someone", ip(1), now).err(), Some(WINDOW.as_secs()));
        assert!(t.begin("someone", ip(2), now).is_ok());
    }

    #[test]
    fn pruning_forgets_stale_keys() {
        let mut t = Throttle::default();
        let now = Instant::now();
        for i in 0..=PRUNE_ABOVE as u32 {
            let _ = t
                .begin(&format!("n{i}"), IpAddr::V4(i.into()), now)
                .unwrap();
        }
        let _ = t.begin("late", ip(4), now + WINDOW);
        assert_eq!(t.by_name.len(), 1);
        assert_eq!(t.by_address.len(), 1);
    }
}
