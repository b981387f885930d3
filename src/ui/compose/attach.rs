//! Image attachments: picked or pasted, checked, uploaded at once, previewed in a tray.

use leptos::prelude::*;

use super::state::{revoke, ComposeCtx, Pick};
use crate::core::compose::check_attachment;
use crate::core::i18n::{Notice, K};
use crate::ui::handler::handler;
use crate::ui::i18n::{text, use_i18n};

/// Checks each file, then uploads the accepted ones in the background; each shows in the
/// tray at once and becomes ready (or goes, with the server's refusal) when its upload ends.
pub fn add_files(cc: ComposeCtx, files: Vec<web_sys::File>) {
    let Some(c) = cc.app.selected.get_untracked() else {
        return;
    };
    let max = cc
        .app
        .session
        .with_untracked(|s| s.state.limits.max_attachment_bytes);
    let auth = cc.auth;
    let server = auth.map(|a| a.server.get_value()).unwrap_or_default();
    let token = auth
        .and_then(|a| a.session.get_untracked())
        .map(|s| s.token)
        .unwrap_or_default();
    cc.error.set(None);
    for file in files {
        let name = file.name();
        let already = cc
            .picks
            .with_untracked(|p| p.iter().filter(|p| p.conversation == c).count());
        if let Err(e) = check_attachment(&name, &file.type_(), file.size() as u64, max, already) {
            let words = cc.app.i18n.with_untracked(|tr| e.text(tr));
            cc.error.set(Some(Notice::Said(words)));
            continue;
        }
        let key = cc.next_key.get_value();
        cc.next_key.set_value(key + 1);
        cc.picks.update(|p| {
            p.push(Pick {
                key,
                conversation: c,
                name,
                preview: web_sys::Url::create_object_url_with_blob(&file).unwrap_or_default(),
                uploaded: None,
            })
        });
        let (server, token) = (server.clone(), token.clone());
        leptos::task::spawn_local(async move {
            let result = crate::net::upload::upload(&server, &token, &file).await;
            cc.picks.try_update(|picks| {
                let Some(i) = picks.iter().position(|p| p.key == key) else {
                    return; // removed meanwhile
                };
                match result {
                    Ok(a) => picks[i].uploaded = Some(a),
                    Err(e) => {
                        revoke(&picks.remove(i).preview);
                        cc.error.set(Some(e));
                    }
                }
            });
        });
    }
}

fn remove_pick(cc: ComposeCtx, key: u32) {
    cc.picks.update(|p| {
        if let Some(i) = p.iter().position(|p| p.key == key) {
            revoke(&p.remove(i).preview);
        }
    });
    cc.error.set(None);
}

/// The previews of the open conversation's images, each with its upload state and a
/// remove button.
#[component]
pub fn AttachmentTray() -> impl IntoView {
    let cc = expect_context::<ComposeCtx>();
    let shown = move || {
        let c = cc.app.selected.get();
        cc.picks.with(|p| {
            p.iter()
                .filter(|p| Some(p.conversation) == c)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="mw-compose-files" data-testid="compose-files">
            // Keyed on the state too: a finished upload redraws its preview as ready.
            <For each=shown key=|p| format!("{}:{}", p.key, p.uploaded.is_some()) let(p)>
                <AttachmentPreview pick=p />
            </For>
        </div>
    }
    .into_any()
}

#[component]
fn AttachmentPreview(pick: Pick) -> impl IntoView {
    let cc = expect_context::<ComposeCtx>();
    let i18n = use_i18n();
    let key = pick.key;
    let ready = pick.uploaded.is_some();
    view! {
        <figure
            class="mw-compose-file"
            data-testid="compose-attachment"
            data-state=if ready { "ready" } else { "uploading" }
        >
            <img src=pick.preview alt=pick.name.clone() />
            {(!ready).then(|| view! { <figcaption>{text(K::AttachUploading)}</figcaption> })}
            <button
                type="button"
                class="mw-compose-file-remove"
                data-testid="compose-attachment-remove"
                aria-label=i18n.f(K::AttachRemove, &[("name", &pick.name)])
                on:click=handler(move |_| remove_pick(cc, key))
            >
                "×"
            </button>
        </figure>
    }
    .into_any()
}

/// The "Image" tool: a file picker for images.
#[component]
pub fn AttachButton() -> impl IntoView {
    let cc = expect_context::<ComposeCtx>();
    let on_change = move |ev: web_sys::Event| {
        let el = event_target::<web_sys::HtmlInputElement>(&ev);
        let files = el
            .files()
            .map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect())
            .unwrap_or_default();
        // Picking the same file again must fire `change` again.
        el.set_value("");
        add_files(cc, files);
    };
    view! {
        <label class="mw-tool" title=text(K::AttachLabel)>
            {text(K::AttachButton)}
            <input
                type="file"
                class="mw-hidden-file"
                data-testid="compose-file"
                accept="image/png,image/jpeg,image/gif,image/webp"
                multiple
                on:change=handler(on_change)
            />
        </label>
    }
    .into_any()
}

/// Images pasted into the textarea (a screenshot from the clipboard) are attached.
pub fn on_paste(cc: ComposeCtx, ev: web_sys::ClipboardEvent) {
    let Some(list) = ev.clipboard_data().and_then(|d| d.files()) else {
        return;
    };
    let images: Vec<web_sys::File> = (0..list.length())
        .filter_map(|i| list.get(i))
        .filter(|f| f.type_().starts_with("image/"))
        .collect();
    if !images.is_empty() {
        ev.prevent_default();
        add_files(cc, images);
    }
}
