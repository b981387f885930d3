//! The organisation: a collapsible tree of departments with their people, and a name search.

use leptos::prelude::*;
use messenger_protocol::{Timestamp, UserId};

use super::ctx::Ctx;
use super::dom::{add, el, set};
use super::nav::{now_and_offset, NavCtx};
use crate::core::color::participant_color;
use crate::core::format::initials;
use crate::core::org::{build_tree, last_seen_label, search, visible_rows, Row};

pub use crate::core::org::presence_str;

#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    Dept {
        id: i64,
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
        last_seen: Option<Timestamp>,
        depth: usize,
        /// The department path, in search results.
        path: Option<String>,
    },
    /// A search that found nobody.
    NoMatch(String),
}

fn lines(ctx: Ctx, nav: NavCtx) -> Vec<Line> {
    let query = nav.search.get();
    let collapsed = nav.collapsed.get();
    ctx.session.with(|s| {
        let st = &s.state;
        let tree = build_tree(&st.departments, &st.users, st.me_id());
        let person = |id: UserId, depth: usize, path: Option<String>| {
            st.users.get(&id).map(|u| Line::Person {
                id,
                name: st.display_name(id),
                username: u.username.clone(),
                presence: presence_str(u.presence),
                last_seen: u.last_seen,
                depth,
                path,
            })
        };
        let query = query.trim();
        let mut out = Vec::new();
        if query.is_empty() {
            for r in visible_rows(&tree, &collapsed) {
                match r {
                    Row::Dept {
                        id,
                        name,
                        depth,
                        expanded,
                        count,
                    } => out.push(Line::Dept {
                        id,
                        name,
                        depth,
                        expanded,
                        count,
                    }),
                    Row::Person { id, depth } => out.extend(person(id, depth, None)),
                }
            }
        } else {
            for h in search(&tree, &st.users, query) {
                out.extend(person(h.id, 0, Some(h.path)));
            }
            if out.is_empty() {
                out.push(Line::NoMatch(query.to_string()));
            }
        }
        out
    })
}

fn indent(depth: usize) -> String {
    format!("padding-left:{}px", 12 + depth.min(8) * 14)
}

fn render(line: &Line, now: i64, offset: i32) -> web_sys::Element {
    match line {
        Line::Dept {
            id,
            name,
            depth,
            expanded,
            count,
        } => {
            let li = el("li", "");
            set(&li, "role", "treeitem");
            set(&li, "aria-expanded", &expanded.to_string());
            let b = add(&li, "button", "mw-dept-toggle", "");
            set(&b, "type", "button");
            set(&b, "data-testid", "department");
            set(&b, "data-department-id", &id.to_string());
            set(&b, "data-act", "dept");
            set(&b, "data-id", &id.to_string());
            set(&b, "data-expanded", &expanded.to_string());
            set(&b, "style", &indent(*depth));
            let chevron = if *expanded {
                "mw-chevron mw-chevron-open"
            } else {
                "mw-chevron"
            };
            add(&b, "span", chevron, "›");
            add(&b, "span", "mw-dept-name", name);
            add(&b, "span", "mw-dept-count", &count.to_string());
            li
        }
        Line::Person {
            id,
            name,
            username,
            presence,
            last_seen,
            depth,
            path,
        } => {
            let li = el("li", "mw-contact");
            set(&li, "data-testid", "contact");
            set(&li, "data-act", "person");
            set(&li, "data-id", &id.to_string());
            set(&li, "data-username", username);
            set(&li, "data-presence", presence);
            set(&li, "role", "treeitem");
            set(&li, "tabindex", "0");
            set(&li, "style", &indent(*depth));
            let avatar = add(&li, "span", "mw-avatar", &initials(name));
            set(
                &avatar,
                "style",
                &format!("background:{}", participant_color(*id)),
            );
            let dot = add(&avatar, "span", "mw-presence", "");
            set(&dot, "data-presence", presence);
            set(&dot, "title", presence);
            let body = add(&li, "span", "mw-conv-body", "");
            add(&body, "span", "mw-contact-name", name);
            let detail = match (path, *presence, last_seen) {
                (Some(path), _, _) => path.clone(),
                (None, "offline", Some(t)) => last_seen_label(*t, now, offset),
                (None, "away", _) => "away".into(),
                _ => String::new(),
            };
            if !detail.is_empty() {
                let d = add(&body, "span", "mw-contact-detail", &detail);
                set(&d, "data-testid", "contact-detail");
            }
            li
        }
        Line::NoMatch(q) => {
            let li = el("li", "mw-empty");
            set(&li, "data-testid", "contact-search-empty");
            li.set_text_content(Some(&format!("No one matches “{q}”.")));
            li
        }
    }
}

/// The tree (or the search results) into `ul`, when the lines differ from `prev`.
pub fn draw(ctx: Ctx, nav: NavCtx, ul: &web_sys::Element, prev: &mut Option<Vec<Line>>) {
    let now = lines(ctx, nav);
    if prev.as_ref() == Some(&now) {
        return;
    }
    let (t, offset) = now_and_offset();
    ul.set_text_content(None);
    for l in &now {
        let _ = ul.append_child(&render(l, t, offset));
    }
    *prev = Some(now);
}

/// The section and its search box; the list is drawn by `nav::ListColumn`.
#[component]
pub fn Contacts() -> impl IntoView {
    let nav = expect_context::<NavCtx>();
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
                    on:input=move |ev| nav.search.set(event_target_value(&ev))
                />
            </div>
            <ul class="mw-tree" role="tree" data-contacts></ul>
        </div>
    }
}
