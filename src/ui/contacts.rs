//! The organisation: a collapsible tree of departments with their people, and a name search.

use leptos::html;
use leptos::prelude::*;
use messenger_protocol::{DepartmentId, UserId};
use web_sys::KeyboardEvent;

use super::ctx::Ctx;
use super::nav::roving::{Roving, RowKey};
use super::nav::{now_and_offset, NavCtx};
use crate::core::color::participant_color;
use crate::core::format::initials;
use crate::core::org::{build_tree, last_seen_label, parent_line, search, visible_rows, Row};

pub use crate::core::org::presence_str;

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

fn tree(ctx: Ctx, nav: NavCtx) -> Tree {
    let query = nav.search.get();
    let collapsed = nav.collapsed.get();
    let (now, offset) = now_and_offset();
    ctx.session.with(|s| {
        let st = &s.state;
        let org = build_tree(&st.departments, &st.users, st.me_id());
        let person = |id: UserId, depth: usize, path: Option<String>| {
            let u = st.users.get(&id)?;
            let presence = presence_str(u.presence);
            let detail = match (path, presence, u.last_seen) {
                (Some(path), _, _) => path,
                (None, "offline", Some(t)) => last_seen_label(t, now, offset),
                (None, "away", _) => "away".into(),
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
}

fn indent(depth: usize) -> String {
    format!("padding-left:{}px", 12 + depth.min(8) * 14)
}

/// The search box and the tree (or the search results).
#[component]
pub fn ContactsTree() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let nav = expect_context::<NavCtx>();
    let tree = Memo::new(move |_| tree(ctx, nav));
    let keys = Memo::new(move |_| tree.with(|t| t.lines.iter().map(Line::key).collect::<Vec<_>>()));
    let roving = Roving::new(keys.into());
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
                    on:keydown=move |ev| {
                        if ev.key() == "ArrowDown" && roving.to_first() {
                            ev.prevent_default();
                        }
                    }
                />
            </div>
            <ul class="mw-tree" role="tree" aria-label="People">
                <For each=move || keys.get() key=|k| *k let:key>
                    <TreeLine key=key tree=tree roving=roving />
                </For>
                {move || {
                    tree.with(|t| t.no_match.clone())
                        .map(|q| {
                            view! {
                                <li class="mw-empty" data-testid="contact-search-empty">
                                    {format!("No one matches “{q}”.")}
                                </li>
                            }
                        })
                }}
            </ul>
        </div>
    }
}

/// Keys of the tree besides ArrowUp/ArrowDown/Home/End: ArrowRight opens a department (or
/// goes to its first line), ArrowLeft folds it (or goes to the department above), Enter on
/// a person opens the conversation. True when handled.
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
        ("Enter", RowKey::Item(id)) => ctx.open_direct(id),
        _ => return roving.arrow(key, ev),
    }
    true
}

#[component]
fn TreeLine(key: RowKey, tree: Memo<Tree>, roving: Roving) -> impl IntoView {
    let line = Memo::new(move |_| tree.with(|t| t.lines.iter().find(|l| l.key() == key).cloned()));
    // Handlers run outside the component's owner: contexts are read now.
    let ctxs = (expect_context::<Ctx>(), expect_context::<NavCtx>());
    let on_key = move |ev: KeyboardEvent| {
        if tree_key(&ev, key, tree, roving, ctxs) {
            ev.prevent_default();
        }
    };
    match key {
        RowKey::Dept(id) => {
            view! { <DeptLine id=id line=line roving=roving on_key=on_key /> }.into_any()
        }
        RowKey::Item(id) => {
            view! { <PersonLine id=id line=line roving=roving on_key=on_key /> }.into_any()
        }
    }
}

#[component]
fn DeptLine(
    id: DepartmentId,
    line: Memo<Option<Line>>,
    roving: Roving,
    on_key: impl Fn(KeyboardEvent) + 'static,
) -> impl IntoView {
    let nav = expect_context::<NavCtx>();
    let key = RowKey::Dept(id);
    let button = NodeRef::<html::Button>::new();
    roving.follow(key, Box::new(move || button.get().map(Into::into)));
    let expanded =
        Signal::derive(move || line.with(|l| matches!(l, Some(Line::Dept { expanded: true, .. }))));
    let expanded_text = Signal::derive(move || expanded.get().to_string());
    view! {
        <li role="treeitem" aria-expanded=expanded_text>
            <button
                node_ref=button
                type="button"
                class="mw-dept-toggle"
                data-testid="department"
                data-department-id=id.to_string()
                data-expanded=expanded_text
                tabindex=roving.tab_index(key)
                style=Signal::derive(move || {
                    line.with(|l| match l {
                        Some(Line::Dept { depth, .. }) => indent(*depth),
                        _ => String::new(),
                    })
                })
                on:click=move |_| nav.toggle_department(id)
                on:focus=move |_| roving.focused(key)
                on:keydown=on_key
            >
                {move || {
                    line.with(|l| {
                        let Some(Line::Dept { name, expanded, count, .. }) = l else {
                            return None;
                        };
                        Some(
                            view! {
                                <span class="mw-chevron" class:mw-chevron-open=*expanded>
                                    "›"
                                </span>
                                <span class="mw-dept-name">{name.clone()}</span>
                                // A zero count says nothing: it stays empty.
                                <span class="mw-dept-count">
                                    {(*count > 0).then(|| count.to_string())}
                                </span>
                            },
                        )
                    })
                }}
            </button>
        </li>
    }
}

#[component]
fn PersonLine(
    id: UserId,
    line: Memo<Option<Line>>,
    roving: Roving,
    on_key: impl Fn(KeyboardEvent) + 'static,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let key = RowKey::Item(id);
    let li = NodeRef::<html::Li>::new();
    roving.follow(key, Box::new(move || li.get().map(Into::into)));
    let field = move |f: fn(&Line) -> String| {
        Signal::derive(move || line.with(|l| l.as_ref().map(f).unwrap_or_default()))
    };
    view! {
        <li
            node_ref=li
            class="mw-contact"
            data-testid="contact"
            data-username=field(|l| match l {
                Line::Person { username, .. } => username.clone(),
                _ => String::new(),
            })
            data-presence=field(|l| match l {
                Line::Person { presence, .. } => presence.to_string(),
                _ => String::new(),
            })
            role="treeitem"
            tabindex=roving.tab_index(key)
            style=field(|l| indent(l.shape().0))
            on:click=move |_| ctx.open_direct(id)
            on:focus=move |_| roving.focused(key)
            on:keydown=on_key
        >
            {move || {
                line.with(|l| {
                    let Some(Line::Person { name, presence, detail, .. }) = l else {
                        return None;
                    };
                    Some(
                        view! {
                            <span
                                class="mw-avatar"
                                style=format!("background:{}", participant_color(id))
                            >
                                {initials(name)}
                                <span class="mw-presence" data-presence=*presence title=*presence></span>
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
                        },
                    )
                })
            }}
        </li>
    }
}
