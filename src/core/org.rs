//! The organisation as a tree: departments nested by `parent_id`, people inside them, a
//! name search, and the "last seen" label of offline people.

use std::collections::BTreeMap;

use messenger_protocol::{Department, DepartmentId, Presence, Timestamp, User, UserId};

use super::case::lowercase;
use super::timeline::civil_from_days;

/// The pseudo-department holding people without a (known) department.
pub const OTHER: DepartmentId = -1;

/// One department of the tree, children and people sorted by name.
#[derive(Clone, Debug, PartialEq)]
pub struct DeptNode {
    pub id: DepartmentId,
    pub name: String,
    pub people: Vec<UserId>,
    pub children: Vec<DeptNode>,
}

impl DeptNode {
    /// People in this department and every sub-department.
    pub fn total_people(&self) -> usize {
        let mut n = self.people.len();
        for c in &self.children {
            n += c.total_people();
        }
        n
    }
}

/// One visible line of the contacts tree.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Row {
    Dept {
        id: DepartmentId,
        name: String,
        depth: usize,
        expanded: bool,
        count: usize,
    },
    Person {
        id: UserId,
        depth: usize,
    },
}

fn display_name(u: &User) -> &str {
    if u.display_name.trim().is_empty() {
        &u.username
    } else {
        &u.display_name
    }
}

/// Sorts by a case-folded name (one sort instantiation for every list here: it keeps the
/// wasm small).
fn sorted_ids(keyed: Vec<(String, i64)>) -> Vec<i64> {
    // Binary insertion: no sort routine linked in for the few hundred names of an org.
    let mut sorted: Vec<(String, i64)> = Vec::with_capacity(keyed.len());
    for k in keyed {
        let at = sorted.partition_point(|x| *x <= k);
        sorted.insert(at, k);
    }
    let mut ids = Vec::with_capacity(sorted.len());
    for (_, id) in sorted {
        ids.push(id);
    }
    ids
}

/// Builds the department tree with everyone but `me`. A department whose parent is unknown
/// (or part of a cycle) becomes a root; departments without anyone in them, at any depth,
/// are left out. People without a known department go to a last "Other" node.
pub fn build_tree(
    departments: &[Department],
    users: &BTreeMap<UserId, User>,
    me: Option<UserId>,
) -> Vec<DeptNode> {
    // Plain loops rather than iterator chains: each chain is its own code in the wasm.
    let find = |id: DepartmentId| departments.iter().position(|d| d.id == id);
    // Each department's parent, when it exists and following parents never comes back.
    let mut parents: Vec<Option<DepartmentId>> = Vec::with_capacity(departments.len());
    for d in departments {
        let mut parent = d.parent_id.filter(|p| find(*p).is_some());
        let mut cur = parent;
        for _ in 0..=departments.len() {
            match cur {
                None => break,
                Some(c) if c == d.id => {
                    parent = None;
                    break;
                }
                Some(c) => cur = find(c).and_then(|i| departments[i].parent_id),
            }
        }
        if cur.is_some() {
            parent = None; // longer than the list: a cycle further up
        }
        parents.push(parent);
    }
    let mut keyed = Vec::new();
    for u in users.values() {
        if Some(u.id) != me {
            keyed.push((fold(display_name(u)), u.id));
        }
    }
    let people = sorted_ids(keyed);
    let mut keyed = Vec::new();
    for d in departments {
        keyed.push((fold(&d.name), d.id));
    }
    let order = sorted_ids(keyed);

    struct Org<'a> {
        departments: &'a [Department],
        parents: &'a [Option<DepartmentId>],
        order: &'a [DepartmentId],
        people: &'a [UserId],
        users: &'a BTreeMap<UserId, User>,
    }
    fn node(org: &Org, id: DepartmentId, depth: usize) -> Option<DeptNode> {
        // Parents are acyclic, so depth is bounded by the count; still, stop.
        if depth > org.departments.len() {
            return None;
        }
        let mut children = Vec::new();
        for c in org.order {
            let i = org.departments.iter().position(|d| d.id == *c)?;
            if org.parents[i] == Some(id) {
                if let Some(n) = node(org, *c, depth + 1) {
                    children.push(n);
                }
            }
        }
        let mut people = Vec::new();
        for u in org.people {
            if org
                .users
                .get(u)
                .is_some_and(|u| u.department_id == Some(id))
            {
                people.push(*u);
            }
        }
        let d = org.departments.iter().find(|d| d.id == id)?;
        let n = DeptNode {
            id,
            name: d.name.clone(),
            people,
            children,
        };
        (n.total_people() > 0).then_some(n)
    }

    let org = Org {
        departments,
        parents: &parents,
        order: &order,
        people: &people,
        users,
    };
    let mut roots = Vec::new();
    for id in &order {
        let root = find(*id).is_some_and(|i| parents[i].is_none());
        if let Some(n) = root.then(|| node(&org, *id, 0)).flatten() {
            roots.push(n);
        }
    }
    let mut others = Vec::new();
    for u in &people {
        let dept = users.get(u).and_then(|u| u.department_id);
        if dept.is_none_or(|d| find(d).is_none()) {
            others.push(*u);
        }
    }
    if !others.is_empty() {
        roots.push(DeptNode {
            id: OTHER,
            name: "Other".into(),
            people: others,
            children: Vec::new(),
        });
    }
    roots
}

/// The visible lines: a collapsed department hides its people and sub-departments.
/// Departments start expanded, so a new one shows its people.
pub fn visible_rows(tree: &[DeptNode], collapsed: &[DepartmentId]) -> Vec<Row> {
    fn walk(n: &DeptNode, depth: usize, collapsed: &[DepartmentId], out: &mut Vec<Row>) {
        let open = !collapsed.contains(&n.id);
        out.push(Row::Dept {
            id: n.id,
            name: n.name.clone(),
            depth,
            expanded: open,
            count: n.total_people(),
        });
        if open {
            for c in &n.children {
                walk(c, depth + 1, collapsed, out);
            }
            for id in &n.people {
                out.push(Row::Person {
                    id: *id,
                    depth: depth + 1,
                });
            }
        }
    }
    let mut out = Vec::new();
    for n in tree {
        walk(n, 0, collapsed, &mut out);
    }
    out
}

/// Where a line of the tree sits: its depth, and whether it is a department.
pub fn line_shape(row: &Row) -> (usize, bool) {
    match row {
        Row::Dept { depth, .. } => (*depth, true),
        Row::Person { depth, .. } => (*depth, false),
    }
}

/// The department line that holds line `at` (the nearest department line above it one
/// level up), for moving left in the tree; `shapes` are the lines' [`line_shape`]s. None
/// for a top-level line.
pub fn parent_line(shapes: &[(usize, bool)], at: usize) -> Option<usize> {
    let (mine, _) = *shapes.get(at)?;
    let mut i = at;
    while i > 0 {
        i -= 1;
        let (depth, dept) = shapes[i];
        if dept && depth < mine {
            return Some(i);
        }
    }
    None
}

/// Every department id of the tree (to fold everything).
pub fn all_ids(tree: &[DeptNode]) -> Vec<DepartmentId> {
    fn walk(n: &DeptNode, out: &mut Vec<DepartmentId>) {
        out.push(n.id);
        for c in &n.children {
            walk(c, out);
        }
    }
    let mut out = Vec::new();
    for n in tree {
        walk(n, &mut out);
    }
    out
}

/// A search hit: the person and their department path ("Head office / Engineering").
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Hit {
    pub id: UserId,
    pub path: String,
}

/// People whose display name or username contains `query` (case- and accent-insensitive),
/// in tree order, with their department path. An empty query finds nobody.
pub fn search(tree: &[DeptNode], users: &BTreeMap<UserId, User>, query: &str) -> Vec<Hit> {
    let q = fold(query.trim());
    if q.is_empty() {
        return Vec::new();
    }
    fn walk(
        n: &DeptNode,
        path: &mut Vec<String>,
        users: &BTreeMap<UserId, User>,
        q: &str,
        out: &mut Vec<Hit>,
    ) {
        path.push(n.name.clone());
        for id in &n.people {
            let Some(u) = users.get(id) else { continue };
            if fold(&u.display_name).contains(q) || fold(&u.username).contains(q) {
                out.push(Hit {
                    id: *id,
                    path: path.join(" / "),
                });
            }
        }
        for c in &n.children {
            walk(c, path, users, q, out);
        }
        path.pop();
    }
    let mut out = Vec::new();
    for n in tree {
        walk(n, &mut Vec::new(), users, &q, &mut out);
    }
    out
}

/// Base letters of U+00E0..=U+00FF (lower-case Latin-1); `*` keeps the character.
const LATIN1: &[u8; 32] = b"aaaaaa*ceeeeiiii*nooooo*ouuuuy*y";
/// Base letters of U+0100..=U+017F (Latin Extended-A, upper and lower pairs).
const LATIN_A: &[u8; 128] =
    b"aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii**jjkk*llllllllllnnnnnn***oooooo**rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

/// Lower case without the accents of Latin letters ("Émile Łoś" → "emile los"), for
/// matching what people type against names.
pub fn fold(s: &str) -> String {
    lowercase(s)
        .chars()
        .map(|c| {
            let base = match c as u32 {
                cp @ 0xE0..=0xFF => LATIN1[(cp - 0xE0) as usize],
                cp @ 0x100..=0x17F => LATIN_A[(cp - 0x100) as usize],
                _ => b'*',
            };
            if base == b'*' {
                c
            } else {
                base as char
            }
        })
        .collect()
}

pub fn presence_str(p: Presence) -> &'static str {
    match p {
        Presence::Online => "online",
        Presence::Away => "away",
        Presence::Offline => "offline",
    }
}

const DAY_MS: i64 = 86_400_000;

/// How a past time is named, short: its time today ("14:05"), "yesterday", its date this
/// year ("3 Nov"), else with the year ("3 Nov 2025"). The words and digits are the
/// browser's (`Intl`), in the interface language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    Today,
    Yesterday,
    ThisYear,
    WithYear,
}

/// `utc_offset_min` is the local zone's offset east of UTC (JS's `-getTimezoneOffset()`).
/// A time in the future (clock skew) counts as today.
pub fn when(at: Timestamp, now: Timestamp, utc_offset_min: i32) -> When {
    let off = i64::from(utc_offset_min) * 60_000;
    let day = at.saturating_add(off).div_euclid(DAY_MS);
    let today = now.saturating_add(off).div_euclid(DAY_MS);
    if day >= today {
        When::Today
    } else if day == today - 1 {
        When::Yesterday
    } else if civil_from_days(day).0 == civil_from_days(today).0 {
        When::ThisYear
    } else {
        When::WithYear
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::state::tests::user;

    fn dept(id: DepartmentId, name: &str, parent: Option<DepartmentId>) -> Department {
        Department {
            id,
            name: name.into(),
            parent_id: parent,
        }
    }

    fn org() -> (Vec<Department>, BTreeMap<UserId, User>) {
        let depts = vec![
            dept(1, "Head office", None),
            dept(2, "Engineering", Some(1)),
            dept(3, "Sales", Some(1)),
            dept(4, "Backend", Some(2)),
            dept(5, "Empty", Some(1)),
        ];
        let mut users = BTreeMap::new();
        for u in [
            user(1, "Alice Martin", Some(2)),
            user(2, "Bob Nguyen", Some(3)),
            user(3, "Émile Zola", Some(4)),
            User {
                username: "dive".into(),
                ..user(4, "Dave Ivanov", Some(2))
            },
            user(5, "Erin Petit", Some(1)),
            user(6, "Nomad", None),
            user(7, "Lost", Some(99)),
        ] {
            users.insert(u.id, u);
        }
        (depts, users)
    }

    #[test]
    fn tree_nests_departments_and_skips_empty_ones() {
        let (d, u) = org();
        let tree = build_tree(&d, &u, Some(1));
        assert_eq!(tree.len(), 2, "Head office and Other");
        let head = &tree[0];
        assert_eq!(head.name, "Head office");
        assert_eq!(head.people, vec![5]);
        let names: Vec<&str> = head.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Engineering", "Sales"], "sorted, Empty left out");
        let eng = &head.children[0];
        assert_eq!(eng.people, vec![4], "me is not listed");
        assert_eq!(eng.children[0].name, "Backend");
        assert_eq!(eng.children[0].people, vec![3]);
        assert_eq!(head.total_people(), 4);
        assert_eq!(tree[1].id, OTHER);
        assert_eq!(tree[1].people, vec![7, 6], "sorted by name: Lost, Nomad");
    }

    #[test]
    fn parent_line_is_the_department_one_level_up() {
        let (d, u) = org();
        let tree = build_tree(&d, &u, Some(1));
        let rows = visible_rows(&tree, &[]);
        let shapes: Vec<(usize, bool)> = rows.iter().map(line_shape).collect();
        let parent_row = |_: &Vec<Row>, at| parent_line(&shapes, at);
        let at = |want: &Row| rows.iter().position(|r| r == want).unwrap();
        let dept_row = |id| {
            rows.iter()
                .position(|r| matches!(r, Row::Dept { id: d, .. } if *d == id))
                .unwrap()
        };
        // Émile (Backend, under Engineering): Backend; Backend: Engineering.
        let emile = at(&Row::Person { id: 3, depth: 3 });
        assert_eq!(parent_row(&rows, emile), Some(dept_row(4)));
        assert_eq!(parent_row(&rows, dept_row(4)), Some(dept_row(2)));
        // Dave sits below Backend's lines but belongs to Engineering.
        let dave = at(&Row::Person { id: 4, depth: 2 });
        assert_eq!(parent_row(&rows, dave), Some(dept_row(2)));
        assert_eq!(parent_row(&rows, dept_row(1)), None, "a root");
        assert_eq!(parent_row(&rows, dept_row(OTHER)), None);
        assert_eq!(parent_row(&rows, rows.len()), None);
    }

    #[test]
    fn cycles_and_unknown_parents_do_not_hang_or_drop() {
        let depts = vec![
            dept(1, "A", Some(2)),
            dept(2, "B", Some(1)),
            dept(3, "C", Some(42)),
        ];
        let mut users = BTreeMap::new();
        for u in [
            user(1, "x", Some(1)),
            user(2, "y", Some(2)),
            user(3, "z", Some(3)),
        ] {
            users.insert(u.id, u);
        }
        let tree = build_tree(&depts, &users, None);
        let mut ids = all_ids(&tree);
        ids.sort_unstable();
        assert_eq!(ids, [1, 2, 3]);
        let rows = visible_rows(&tree, &[]);
        let people = rows
            .iter()
            .filter(|r| matches!(r, Row::Person { .. }))
            .count();
        assert_eq!(people, 3, "everyone appears exactly once");
    }

    #[test]
    fn collapsing_hides_people_and_sub_departments() {
        let (d, u) = org();
        let tree = build_tree(&d, &u, Some(1));
        let mut closed = Vec::new();
        let rows = visible_rows(&tree, &closed);
        assert!(rows.contains(&Row::Person { id: 3, depth: 3 }), "{rows:?}");
        assert_eq!(rows.len(), 4 + 1 + 6, "4 departments + Other + 6 people");
        closed.push(2);
        let rows = visible_rows(&tree, &closed);
        assert!(!rows
            .iter()
            .any(|r| matches!(r, Row::Person { id: 3 | 4, .. })));
        assert!(!rows.iter().any(|r| matches!(r, Row::Dept { id: 4, .. })));
        assert!(rows.contains(&Row::Dept {
            id: 2,
            name: "Engineering".into(),
            depth: 1,
            expanded: false,
            count: 2
        }));
        assert_eq!(visible_rows(&tree, &all_ids(&tree)).len(), 2, "roots only");
    }

    #[test]
    fn search_matches_names_and_usernames_without_case_or_accents() {
        let (d, u) = org();
        let tree = build_tree(&d, &u, Some(1));
        let hit = |q: &str| -> Vec<UserId> { search(&tree, &u, q).iter().map(|h| h.id).collect() };
        assert_eq!(hit("emile"), vec![3]);
        assert_eq!(hit("ÉMI"), vec![3]);
        assert_eq!(hit("  bob "), vec![2]);
        assert_eq!(hit("DIVE"), vec![4], "username");
        assert!(hit("alice").is_empty(), "not myself");
        assert!(hit("").is_empty());
        assert!(hit("zzz").is_empty());
        assert_eq!(
            search(&tree, &u, "zola")[0].path,
            "Head office / Engineering / Backend"
        );
        assert_eq!(search(&tree, &u, "nomad")[0].path, "Other");
    }

    #[test]
    fn fold_strips_latin_accents() {
        assert_eq!(fold("Émile Łoś ÀÇÑÜÝŸ"), "emile los acnuyy");
        assert_eq!(fold("Đorđe Šćepanović ŽŘ"), "dorde scepanovic zr");
        assert_eq!(fold("ß æ 日本"), "ß æ 日本", "others are kept");
    }

    #[test]
    fn last_seen_today_yesterday_and_older() {
        // 2026-11-25 15:00 UTC
        let now = 1_795_618_800_000;
        let h = 3_600_000;
        assert_eq!(when(now - h, now, 0), When::Today);
        assert_eq!(when(now - 16 * h, now, 0), When::Yesterday);
        assert_eq!(when(now - 15 * h, now, 0), When::Today, "00:00 is today");
        // Midnight in UTC+2 is already the next day.
        assert_eq!(when(now - 16 * h, now, 120), When::Today);
        assert_eq!(when(now - 3 * 24 * h, now, 0), When::ThisYear);
        assert_eq!(when(now - 400 * 24 * h, now, 0), When::WithYear);
        assert_eq!(when(now + h, now, 0), When::Today);
        // Absurd values never panic.
        let _ = when(i64::MIN, i64::MAX, i32::MAX);
        let _ = when(i64::MAX, 0, i32::MIN);
    }
}
