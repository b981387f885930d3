//! The organisation: a collapsible tree of departments with their people, and a name search.

use leptos::attr::custom::custom_attribute;
use leptos::html;
use leptos::prelude::*;
use messenger_protocol::{DepartmentId, UserId};
use web_sys::KeyboardEvent;

use super::ctx::Ctx;
use super::i18n::{text, use_i18n, I18n};
use super::intl::when_text;
use super::nav::roving::{Roving, RowKey};
use super::nav::{now_and_offset, NavCtx};
use crate::core::color::participant_color;
use crate::core::format::initials;
use crate::core::i18n::K;
use crate::core::org::{build_tree, parent_line, search, visible_rows, Row};
use crate::ui::erased::memo;
use crate::ui::handler::handler;

pub use crate::core::org::presence_str;

/// The word for a presence (`presence_str`'s value).
pub fn presence_text(presence: &str) -> K {
    match presence {
        "online" => K::PeopleOnline,
        "away" => K::PeopleAway,
        "unknown" => K::PresenceUnknown,
        _ => K::PeopleOffline,
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Line {
    Dept {
        id: DepartmentId,
        name: String,
        depth: usize,
        expanded: bool,
        count: usize,
    },
    Person {
        id: UserId,
        name: String,
        username: String,
        presence: &'static str,
        /// Department path (search results), last seen (offline) or "away".
        detail: String,
        depth: usize,
    },
}

impl Line {
    fn key(&self) -> RowKey {
        match self {
            Line::Dept { id, .. } => RowKey::Dept(*id),
            Line::Person { id, .. } => RowKey::Item(*id),
        }
    }

    fn shape(&self) -> (usize, bool) {
        match self {
            Line::Dept { depth, .. } => (*depth, true),
            Line::Person { depth, .. } => (*depth, false),
        }
    }
}

/// What the tree shows: its lines, or the query that found nobody.
#[derive(Clone, Debug, Default, PartialEq)]
struct Tree {
    lines: Vec<Line>,
    no_match: Option<String>,
}

fn tree(ctx: Ctx, nav: NavCtx, i18n: I18n) -> Tree {
    let query = nav.search.get();
    let collapsed = nav.collapsed.get();
    let (now, offset) = now_and_offset();
    i18n.with(|tr| {
        ctx.session.with(|s| {
            let st = &s.state;
            let org = build_tree(&st.departments, &st.users, st.me_id());
            let person = |id: UserId, depth: usize, path: Option<String>| {
                let u = st.users.get(&id)?;
                // Without a connection nobody's presence is known: "online" would be stale.
                let presence = if s.online {
                    presence_str(u.presence)
                } else {
                    "unknown"
                };
                let detail = match (path, presence, u.last_seen) {
                    (Some(path), _, _) => path,
                    (None, "offline", Some(t)) => tr.f(
                        K::PeopleLastSeen,
                        &[("when", &when_text(tr, t, now, offset))],
                    ),
                    (None, "away", _) => tr.t(K::PeopleAway),
                    _ => String::new(),
                };
                Some(Line::Person {
                    id,
                    name: st.display_name(id),
                    username: u.username.clone(),
                    presence,
                    detail,
                    depth,
                })
            };
            let query = query.trim();
            let mut out = Tree::default();
            if query.is_empty() {
                for r in visible_rows(&org, &collapsed) {
                    match r {
                        Row::Dept {
                            id,
                            name,
                            depth,
                            expanded,
                            count,
                        } => out.lines.push(Line::Dept {
                            id,
                            name,
                            depth,
                            expanded,
                            count,
                        }),
                        Row::Person { id, depth } => out.lines.extend(person(id, depth, None)),
                    }
                }
            } else {
                for h in search(&org, &st.users, query) {
                    out.lines.extend(person(h.id, 0, Some(h.path)));
                }
                if out.lines.is_empty() {
                    out.no_match = Some(query.to_string());
                }
            }
            out
        })
    })
}

fn indent(depth: usize) -> String {
    format!("{}px", 12 + depth.min(8) * 14)
}

/// The search box and the tree (or the search results).
#[component]
pub fn ContactsTree() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let nav = expect_context::<NavCtx>();
    let i18n = use_i18n();
    let tree = memo(move |_| tree(ctx, nav, i18n));
    let keys = memo(move |_| tree.with(|t| t.lines.iter().map(Line::key).collect::<Vec<_>>()));
    let roving = Roving::new(keys.into());
    view! {
        <div class="mw-section mw-people">
            <h2 class="mw-section-title">{text(K::PeopleTitle)}</h2>
            <div class="mw-search-row">
                <input
                    type="search"
                    class="mw-search"
                    placeholder=text(K::PeopleSearch)
                    aria-label=text(K::PeopleSearch)
                    data-testid="contact-search"
                    prop:value=move || nav.search.get()
                    on:input=handler(move |ev| nav.search.set(event_target_value(&ev)))
                    on:keydown=handler(move |ev: leptos::ev::KeyboardEvent| {
                        if ev.key() == "ArrowDown" && roving.to_first() {
                            ev.prevent_default();
                        }
                    })
                />
            </div>
            <ul class="mw-tree" role="tree" aria-label=text(K::PeopleTitle)>
                <For each=move || keys.get() key=|k| *k let:key>
                    <TreeLine key=key tree=tree roving=roving />
                </For>
            </ul>
            {move || {
                tree.with(|t| t.no_match.clone())
                    .map(|q| {
                        view! {
                            <p class="mw-empty" data-testid="contact-search-empty">
                                {i18n.f(K::PeopleNoMatch, &[("query", &q)])}
                            </p>
                        }
                    })
            }}
        </div>
    }
}

/// Keys of the tree besides ArrowUp/ArrowDown/Home/End: ArrowRight opens a department (or
/// goes to its first line), ArrowLeft folds it (or goes to the department above), Enter (or
/// Space on a department) does what a click does. True when handled.
fn tree_key(
    ev: &KeyboardEvent,
    key: RowKey,
    tree: Memo<Tree>,
    roving: Roving,
    (ctx, nav): (Ctx, NavCtx),
) -> bool {
    let folded = |id| nav.collapsed.with_untracked(|c| c.contains(&id));
    match (ev.key().as_str(), key) {
        ("ArrowRight", RowKey::Dept(id)) if folded(id) => nav.toggle_department(id),
        ("ArrowRight", RowKey::Dept(_)) => return roving.go(key, "ArrowDown"),
        ("ArrowLeft", RowKey::Dept(id)) if !folded(id) => nav.toggle_department(id),
        ("ArrowLeft", _) => {
            let parent = tree.with_untracked(|t| {
                let at = t.lines.iter().position(|l| l.key() == key)?;
                let shapes: Vec<(usize, bool)> = t.lines.iter().map(Line::shape).collect();
                parent_line(&shapes, at).map(|p| t.lines[p].key())
            });
            let Some(parent) = parent else { return false };
            roving.move_to(parent);
        }
        ("Enter" | " ", RowKey::Dept(id)) => nav.toggle_department(id),
        ("Enter", RowKey::Item(id)) => ctx.open_direct(id),
        _ => return roving.arrow(key, ev),
    }
    true
}

/// One line of the tree, a department or a person: the focusable `treeitem` itself.
#[component]
fn TreeLine(key: RowKey, tree: Memo<Tree>, roving: Roving) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let nav = expect_context::<NavCtx>();
    let line = memo(move |_| tree.with(|t| t.lines.iter().find(|l| l.key() == key).cloned()));
    let li = NodeRef::<html::Li>::new();
    roving.follow(key, Box::new(move || li.get().map(Into::into)));
    let attr = move |f: fn(&Line) -> Option<String>| {
        Signal::derive(move || line.with(|l| l.as_ref().and_then(f)))
    };
    let expanded = attr(|l| match l {
        Line::Dept { expanded, .. } => Some(expanded.to_string()),
        Line::Person { .. } => None,
    });
    let dept = matches!(key, RowKey::Dept(_));
    let level = attr(|l| Some((l.shape().0 + 1).to_string()));
    view! {
        <li
            node_ref=li
            class=if dept { "mw-dept-toggle" } else { "mw-contact" }
            data-testid=if dept { "department" } else { "contact" }
            data-department-id=attr(|l| match l {
                Line::Dept { id, .. } => Some(id.to_string()),
                Line::Person { .. } => None,
            })
            data-expanded=expanded
            aria-expanded=expanded
            data-username=attr(|l| match l {
                Line::Person { username, .. } => Some(username.clone()),
                Line::Dept { .. } => None,
            })
            data-presence=attr(|l| match l {
                Line::Person { presence, .. } => Some(presence.to_string()),
                Line::Dept { .. } => None,
            })
            role="treeitem"
            // `aria-level` has no typed setter (and `attr:` is taken literally on an element).
            {..custom_attribute("aria-level", level)}
            tabindex=roving.tab_index(key)
            style:padding-left=attr(|l| Some(indent(l.shape().0)))
            on:click=handler(move |_| match key {
                RowKey::Dept(id) => nav.toggle_department(id),
                RowKey::Item(id) => ctx.open_direct(id),
            })
            on:focus=handler(move |_| roving.focused(key))
            on:keydown=handler(move |ev| {
                if tree_key(&ev, key, tree, roving, (ctx, nav)) {
                    ev.prevent_default();
                }
            })
        >
            {dept.then_some(move || line.with(dept_content))}
            {(!dept).then_some(move || line.with(|l| person_content(key, l)))}
        </li>
    }
}

fn dept_content(line: &Option<Line>) -> impl IntoView {
    let Some(Line::Dept {
        name,
        expanded,
        count,
        ..
    }) = line
    else {
        return None;
    };
    Some(view! {
        <span class="mw-chevron" class:mw-chevron-open=*expanded aria-hidden="true">
            "›"
        </span>
        <span class="mw-dept-name">{name.clone()}</span>
        // A zero count says nothing: it stays empty.
        <span class="mw-dept-count">{(*count > 0).then(|| count.to_string())}</span>
    })
}

fn person_content(key: RowKey, line: &Option<Line>) -> impl IntoView {
    let (
        RowKey::Item(id),
        Some(Line::Person {
            name,
            presence,
            detail,
            ..
        }),
    ) = (key, line)
    else {
        return None;
    };
    Some(view! {
        <span
            class="mw-avatar"
            aria-hidden="true"
            style:background=participant_color(id)
        >
            {initials(name)}
            <span class="mw-presence" data-presence=*presence title=text(presence_text(presence))></span>
        </span>
        <span class="mw-conv-body">
            <span class="mw-contact-name">{name.clone()}</span>
            {(!detail.is_empty())
                .then(|| {
                    view! {
                        <span class="mw-contact-detail" data-testid="contact-detail">
                            {detail.clone()}
                        </span>
                    }
                })}
        </span>
    })
}
