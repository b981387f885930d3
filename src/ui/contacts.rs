//! The organisation: a collapsible tree of departments with their people, and a name search.

use leptos::prelude::*;
use messenger_protocol::{Timestamp, UserId};

use super::ctx::Ctx;
use super::nav::{now_and_offset, NavCtx};
use crate::core::color::participant_color;
use crate::core::format::initials;
use crate::core::org::{build_tree, last_seen_label, search, visible_rows, Row};

pub use crate::core::org::presence_str;

/// One person line, with everything its rendering depends on (it is also the row's key).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Person {
    id: UserId,
    name: String,
    username: String,
    presence: &'static str,
    last_seen: Option<Timestamp>,
    depth: usize,
    /// The department path, in search results.
    path: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Line {
    Dept {
        id: i64,
        name: String,
        depth: usize,
        expanded: bool,
        count: usize,
    },
    Person(Person),
}

#[component]
pub fn Contacts() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let nav = expect_context::<NavCtx>();
    let lines = Memo::new(move |_| {
        let query = nav.search.get();
        let collapsed = nav.collapsed.get();
        ctx.session.with(|s| {
            let st = &s.state;
            let tree = build_tree(&st.departments, &st.users, st.me_id());
            let person = |id: UserId, depth: usize, path: Option<String>| {
                st.users.get(&id).map(|u| {
                    Line::Person(Person {
                        id,
                        name: if u.display_name.trim().is_empty() {
                            u.username.clone()
                        } else {
                            u.display_name.clone()
                        },
                        username: u.username.clone(),
                        presence: presence_str(u.presence),
                        last_seen: u.last_seen,
                        depth,
                        path,
                    })
                })
            };
            if query.trim().is_empty() {
                visible_rows(&tree, &collapsed)
                    .into_iter()
                    .filter_map(|r| match r {
                        Row::Dept {
                            id,
                            name,
                            depth,
                            expanded,
                            count,
                        } => Some(Line::Dept {
                            id,
                            name,
                            depth,
                            expanded,
                            count,
                        }),
                        Row::Person { id, depth } => person(id, depth, None),
                    })
                    .collect::<Vec<_>>()
            } else {
                search(&tree, &st.users, &query)
                    .into_iter()
                    .filter_map(|h| person(h.id, 0, Some(h.path)))
                    .collect()
            }
        })
    });
    let searching = move || nav.search.with(|q| !q.trim().is_empty());
    view! {
        <div class="mw-section mw-people">
            <h2 class="mw-section-title">"People"</h2>
            <div class="mw-search-row">
                <input
                    type="search"
                    class="mw-search"
                    placeholder="Search people"
                    aria-label="Search people"
                    data-testid="contact-search"
                    prop:value=move || nav.search.get()
                    on:input=move |ev| nav.search.set(event_target_value(&ev))
                />
            </div>
            <Show when=move || searching() && lines.with(Vec::is_empty)>
                <p class="mw-empty" data-testid="contact-search-empty">
                    {move || format!("No one matches “{}”.", nav.search.get().trim())}
                </p>
            </Show>
            <ul class="mw-tree" role="tree">
                <For
                    each=move || lines.get()
                    key=|l| l.clone()
                    children=move |l| match l {
                        Line::Dept { id, name, depth, expanded, count } => {
                            view! { <DeptLine id name depth expanded count /> }.into_any()
                        }
                        Line::Person(p) => view! { <Contact p=p /> }.into_any(),
                    }
                />
            </ul>
        </div>
    }
}

fn indent(depth: usize) -> String {
    format!("padding-left:{}px", 12 + depth.min(8) * 14)
}

#[component]
fn DeptLine(id: i64, name: String, depth: usize, expanded: bool, count: usize) -> impl IntoView {
    let nav = expect_context::<NavCtx>();
    let toggle = move |_| {
        nav.collapsed.update(|c| {
            if !c.remove(&id) {
                c.insert(id);
            }
        })
    };
    view! {
        <li role="treeitem" aria-expanded=expanded.to_string()>
            <button
                type="button"
                class="mw-dept-toggle"
                data-testid="department"
                data-department-id=id.to_string()
                data-expanded=expanded.to_string()
                style=indent(depth)
                on:click=toggle
            >
                <span class="mw-chevron" class:mw-chevron-open=expanded aria-hidden="true">
                    "›"
                </span>
                <span class="mw-dept-name">{name}</span>
                <span class="mw-dept-count">{count}</span>
            </button>
        </li>
    }
}

#[component]
fn Contact(p: Person) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let id = p.id;
    let presence = p.presence;
    let detail = match (&p.path, presence, p.last_seen) {
        (Some(path), _, _) => Some(path.clone()),
        (None, "offline", Some(t)) => {
            let (now, offset) = now_and_offset();
            Some(last_seen_label(t, now, offset))
        }
        (None, "away", _) => Some("away".to_string()),
        _ => None,
    };
    view! {
        <li
            class="mw-contact"
            data-testid="contact"
            data-username=p.username.clone()
            data-presence=presence
            role="treeitem"
            tabindex="0"
            style=indent(p.depth)
            on:click=move |_| ctx.open_direct(id)
            on:keydown=move |ev: web_sys::KeyboardEvent| {
                if ev.key() == "Enter" || ev.key() == " " {
                    ev.prevent_default();
                    ctx.open_direct(id);
                }
            }
        >
            <span class="mw-avatar" style=format!("background:{}", participant_color(id))>
                {initials(&p.name)}
                <span class="mw-presence" data-presence=presence title=presence></span>
            </span>
            <span class="mw-conv-body">
                <span class="mw-contact-name">{p.name.clone()}</span>
                {detail
                    .map(|d| {
                        view! {
                            <span class="mw-contact-detail" data-testid="contact-detail">
                                {d}
                            </span>
                        }
                    })}
            </span>
        </li>
    }
}
