//! The organisation: departments with their people.

use leptos::prelude::*;
use messenger_protocol::{DepartmentId, Presence, User};

use super::ctx::Ctx;
use crate::core::case::lowercase;
use crate::core::color::participant_color;
use crate::core::format::initials;

#[derive(Clone, Debug, PartialEq)]
struct Group {
    key: String,
    name: String,
    people: Vec<User>,
}

pub fn presence_str(p: Presence) -> &'static str {
    match p {
        Presence::Online => "online",
        Presence::Away => "away",
        Presence::Offline => "offline",
    }
}

#[component]
pub fn Contacts() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let groups = Memo::new(move |_| {
        ctx.session.with(|s| {
            let st = &s.state;
            let me = st.me_id();
            let mut people: Vec<&User> = st.users.values().filter(|u| Some(u.id) != me).collect();
            people.sort_by_cached_key(|u| lowercase(&u.display_name));
            let path = |id: DepartmentId| -> String {
                // "Parent / Child" for nested departments (depth-limited against cycles).
                let mut names = Vec::new();
                let mut cur = Some(id);
                while let Some(d) = cur.and_then(|i| st.departments.iter().find(|d| d.id == i)) {
                    names.push(d.name.clone());
                    cur = d.parent_id;
                    if names.len() > 8 {
                        break;
                    }
                }
                names.reverse();
                names.join(" / ")
            };
            let mut groups: Vec<Group> = st
                .departments
                .iter()
                .map(|d| Group {
                    key: format!("d{}", d.id),
                    name: path(d.id),
                    people: people
                        .iter()
                        .filter(|u| u.department_id == Some(d.id))
                        .map(|u| (*u).clone())
                        .collect(),
                })
                .filter(|g| !g.people.is_empty())
                .collect();
            groups.sort_by_cached_key(|g| lowercase(&g.name));
            let others: Vec<User> = people
                .iter()
                .filter(|u| {
                    u.department_id
                        .is_none_or(|d| !st.departments.iter().any(|x| x.id == d))
                })
                .map(|u| (*u).clone())
                .collect();
            if !others.is_empty() {
                groups.push(Group {
                    key: "none".into(),
                    name: "Other".into(),
                    people: others,
                });
            }
            groups
        })
    });

    view! {
        <div class="mw-section">
            <h2 class="mw-section-title">"People"</h2>
            <For
                each=move || groups.get()
                key=|g| format!("{g:?}")
                children=move |g| {
                    view! {
                        <div class="mw-dept" data-testid="department">
                            <h3 class="mw-dept-name">{g.name}</h3>
                            <ul class="mw-contacts">
                                {g
                                    .people
                                    .into_iter()
                                    .map(|u| view! { <Contact user=u /> })
                                    .collect_view()}
                            </ul>
                        </div>
                    }
                }
            />
        </div>
    }
}

#[component]
fn Contact(user: User) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let id = user.id;
    let presence = presence_str(user.presence);
    let name = if user.display_name.trim().is_empty() {
        user.username.clone()
    } else {
        user.display_name.clone()
    };
    view! {
        <li
            class="mw-contact"
            data-testid="contact"
            data-username=user.username.clone()
            data-presence=presence
            role="button"
            tabindex="0"
            on:click=move |_| ctx.open_direct(id)
            on:keydown=move |ev: web_sys::KeyboardEvent| {
                if ev.key() == "Enter" || ev.key() == " " {
                    ev.prevent_default();
                    ctx.open_direct(id);
                }
            }
        >
            <span class="mw-avatar" style=format!("background:{}", participant_color(id))>
                {initials(&name)}
                <span class="mw-presence" data-presence=presence title=presence></span>
            </span>
            <span class="mw-contact-name">{name}</span>
        </li>
    }
}
