//! Short names for the JS functions the wasm imports. wasm-bindgen names each one
//! `__wbg_<method>_<hash>` (about 230 of them), spelled once in the wasm's import section and
//! once in the glue's import object; the 16 hex digits of a hash do not compress, so the names
//! cost about 5.7 KB of the brotli bundle. After trunk has written `dist/`, they become `a`,
//! `b`, ... `ab`, ... in both files (before [`crate::assets`] gives them hashed names).
//!
//! The same for the wasm's exports that only the glue uses (`wasm.<name>`): the closure
//! shims wasm-bindgen names `wasm_bindgen__convert__closures_____invoke__<hash>`, its
//! allocator entry points and runtime statics. Exports the glue names otherwise (its own
//! wrappers share the names of the public functions) and `memory` keep their names.

use std::path::Path;

use crate::minify::GLUE;
use crate::Result;

pub const WASM: &str = "messenger-widget_bg.wasm";

/// The module name wasm-bindgen gives the glue's imports in the wasm.
const GLUE_MODULE: &str = "./messenger-widget_bg.js";

pub fn shorten_imports(dist: &Path) -> Result {
    let read = |name: &str| {
        std::fs::read(dist.join(name)).map_err(|e| format!("cannot read {name} in dist: {e}"))
    };
    let wasm = read(WASM)?;
    let glue = String::from_utf8(read(GLUE)?).map_err(|e| format!("{GLUE}: {e}"))?;
    let (new_wasm, renames) = rename_imports(&wasm, GLUE_MODULE)?;
    let new_glue = rename_in_glue(&glue, &renames)?;
    let (new_wasm, exports) = rename_exports(&new_wasm, |name| glue_only(&new_glue, name))?;
    let new_glue = rename_exports_in_glue(&new_glue, &exports);

    let write = |name: &str, bytes: &[u8]| {
        std::fs::write(dist.join(name), bytes).map_err(|e| format!("cannot write {name}: {e}"))
    };
    write(WASM, &new_wasm)?;
    write(GLUE, new_glue.as_bytes())
}

/// `a`..`z`, `A`..`Z`, then two letters, and so on.
fn short_name(mut i: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut name = Vec::new();
    loop {
        name.push(LETTERS[i % LETTERS.len()]);
        i /= LETTERS.len();
        if i == 0 {
            break;
        }
        i -= 1;
    }
    name.reverse();
    String::from_utf8(name).expect("ASCII letters")
}

/// `(old, new)` import names.
type Renames = Vec<(String, String)>;

/// The wasm with every import of `module` renamed, and the names.
fn rename_imports(wasm: &[u8], module: &str) -> Result<(Vec<u8>, Renames)> {
    let mut renames = Vec::new();
    let out = map_section(wasm, 2, |body| {
        rename_in_section(body, module, &mut renames)
    })?;
    if renames.is_empty() {
        return Err(format!("the wasm imports nothing from {module}"));
    }
    Ok((out, renames))
}

fn rename_in_section(body: &[u8], module: &str, renames: &mut Renames) -> Result<Vec<u8>> {
    let mut r = Reader { bytes: body, at: 0 };
    let count = r.leb()?;
    let mut out = Vec::with_capacity(body.len());
    push_leb(&mut out, count);
    for _ in 0..count {
        let from = r.name()?;
        let field = r.name()?;
        let desc_start = r.at;
        match r.byte()? {
            // function, tag: a type index (a tag has an attribute byte first)
            0x00 => {
                r.leb()?;
            }
            0x04 => {
                r.byte()?;
                r.leb()?;
            }
            // table: reference type, then limits
            0x01 => {
                r.byte()?;
                r.limits()?;
            }
            0x02 => r.limits()?,
            // global: value type, mutability
            0x03 => {
                r.take(2)?;
            }
            kind => return Err(format!("unknown import kind {kind:#x}")),
        }
        let field = if from == module {
            let short = short_name(renames.len());
            renames.push((field.to_string(), short.clone()));
            short
        } else {
            field.to_string()
        };
        push_name(&mut out, from);
        push_name(&mut out, &field);
        out.extend_from_slice(&body[desc_start..r.at]);
    }
    if r.at != body.len() {
        return Err("import section longer than its entries".into());
    }
    Ok(out)
}

/// Whether the glue names the export `name` only as `wasm.<name>` (or not at all): then a
/// new name is safe. The public functions' wrappers share their exports' names.
fn glue_only(glue: &str, name: &str) -> bool {
    name != "memory"
        && whole_word(glue, name)
            .iter()
            .all(|&i| glue[..i].ends_with(EXPORTS_OBJECT))
}

/// How the glue reaches the wasm's exports.
const EXPORTS_OBJECT: &str = "wasm.";

/// The wasm with the exports `rename` accepts given short names, and the names.
fn rename_exports(wasm: &[u8], rename: impl Fn(&str) -> bool) -> Result<(Vec<u8>, Renames)> {
    let mut renames = Vec::new();
    let out = map_section(wasm, 7, |body| {
        let mut r = Reader { bytes: body, at: 0 };
        let count = r.leb()?;
        let mut out = Vec::with_capacity(body.len());
        push_leb(&mut out, count);
        for _ in 0..count {
            let name = r.name()?;
            let desc_start = r.at;
            r.byte()?;
            r.leb()?;
            let name = if rename(name) {
                let short = short_name(renames.len());
                renames.push((name.to_string(), short.clone()));
                short
            } else {
                name.to_string()
            };
            push_name(&mut out, &name);
            out.extend_from_slice(&body[desc_start..r.at]);
        }
        if r.at != body.len() {
            return Err("export section longer than its entries".into());
        }
        Ok(out)
    })?;
    Ok((out, renames))
}

/// The glue with every `wasm.<old>` of `renames` made `wasm.<new>`.
fn rename_exports_in_glue(glue: &str, renames: &[(String, String)]) -> String {
    let mut out = glue.to_string();
    for (old, new) in renames {
        // Back to front, so the positions found stay valid while replacing.
        for i in whole_word(&out, old).into_iter().rev() {
            out.replace_range(i..i + old.len(), new);
        }
    }
    out
}

/// `wasm` with the body of its section `id` replaced by what `edit` makes of it.
fn map_section(
    wasm: &[u8],
    id: u8,
    mut edit: impl FnMut(&[u8]) -> Result<Vec<u8>>,
) -> Result<Vec<u8>> {
    const HEADER: usize = 8;
    if wasm.len() < HEADER || &wasm[..4] != b"\0asm" {
        return Err("not a wasm module".into());
    }
    let mut out = wasm[..HEADER].to_vec();
    let mut r = Reader {
        bytes: wasm,
        at: HEADER,
    };
    while r.at < wasm.len() {
        let section = r.byte()?;
        let size = r.leb()? as usize;
        let body = r.take(size)?;
        let body = if section == id {
            edit(body)?
        } else {
            body.to_vec()
        };
        out.push(section);
        push_leb(&mut out, body.len() as u64);
        out.extend_from_slice(&body);
    }
    Ok(out)
}

/// The glue with each import's key in its import object renamed. Each old name must be there
/// exactly once as `name:`; anything else means wasm-bindgen changed its output, and a guess
/// would give a bundle that fails to start.
fn rename_in_glue(glue: &str, renames: &[(String, String)]) -> Result<String> {
    let mut out = glue.to_string();
    for (old, new) in renames {
        let at = whole_word(&out, old);
        let key_at = at.iter().find(|&&i| out[i + old.len()..].starts_with(':'));
        match (at.len(), key_at) {
            (1, Some(&i)) => out.replace_range(i..i + old.len(), new),
            (mentions, _) => {
                return Err(format!(
                    "{GLUE}: expected the import `{old}` once, as a key of the import \
                     object (found {mentions} times)"
                ))
            }
        }
    }
    Ok(out)
}

/// Where `word` stands in `text` as a whole JS identifier.
fn whole_word(text: &str, word: &str) -> Vec<usize> {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    text.match_indices(word)
        .map(|(i, _)| i)
        .filter(|&i| !text[..i].ends_with(ident) && !text[i + word.len()..].starts_with(ident))
        .collect()
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8> {
        let b = *self.bytes.get(self.at).ok_or("wasm ends early")?;
        self.at += 1;
        Ok(b)
    }

    fn leb(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("LEB128 number too long".into())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or("wasm ends early")?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn name(&mut self) -> Result<&'a str> {
        let len = self.leb()? as usize;
        std::str::from_utf8(self.take(len)?).map_err(|e| format!("import name: {e}"))
    }

    /// Flags (bit 0: a maximum follows), minimum, maximum.
    fn limits(&mut self) -> Result {
        let flags = self.byte()?;
        self.leb()?;
        if flags & 1 != 0 {
            self.leb()?;
        }
        Ok(())
    }
}

fn push_leb(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn push_name(out: &mut Vec<u8>, name: &str) {
    push_leb(out, name.len() as u64);
    out.extend_from_slice(name.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module with a type section, three imports (two from the glue, a memory from
    /// elsewhere) and a custom section after them.
    fn module(imports: &[(&str, &str, &[u8])]) -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        // type section: one type, () -> ()
        wasm.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]);
        let mut section = Vec::new();
        push_leb(&mut section, imports.len() as u64);
        for (from, field, desc) in imports {
            push_name(&mut section, from);
            push_name(&mut section, field);
            section.extend_from_slice(desc);
        }
        wasm.push(2);
        push_leb(&mut wasm, section.len() as u64);
        wasm.extend_from_slice(&section);
        wasm.extend_from_slice(&[0, 4, 3, b'a', b'b', b'c']);
        wasm
    }

    #[test]
    fn short_names_count_in_letters() {
        assert_eq!(short_name(0), "a");
        assert_eq!(short_name(51), "Z");
        assert_eq!(short_name(52), "aa");
        assert_eq!(short_name(53), "ab");
        assert_eq!(short_name(52 + 52 * 52), "aaa");
    }

    #[test]
    fn glue_imports_are_renamed_and_the_rest_kept() {
        let long = "__wbg_addEventListener_0123456789abcdef";
        let other = "__wbg_now_fedcba9876543210";
        let wasm = module(&[
            (GLUE_MODULE, long, &[0, 0]),
            ("env", "memory", &[2, 1, 17, 32]),
            (GLUE_MODULE, other, &[0, 0]),
        ]);
        let (out, renames) = rename_imports(&wasm, GLUE_MODULE).unwrap();
        assert_eq!(
            renames,
            [
                (long.to_string(), "a".to_string()),
                (other.to_string(), "b".to_string())
            ]
        );
        let expected = module(&[
            (GLUE_MODULE, "a", &[0, 0]),
            ("env", "memory", &[2, 1, 17, 32]),
            (GLUE_MODULE, "b", &[0, 0]),
        ]);
        assert_eq!(out, expected);

        let glue = format!("const i = {{ {long}: function(a) {{}}, {other}: function() {{}} }};");
        assert_eq!(
            rename_in_glue(&glue, &renames).unwrap(),
            "const i = { a: function(a) {}, b: function() {} };"
        );
    }

    #[test]
    fn a_glue_that_does_not_name_an_import_once_is_refused() {
        let renames = [("__wbg_x_1".to_string(), "a".to_string())];
        assert!(rename_in_glue("const i = {};", &renames).is_err());
        assert!(rename_in_glue("{ __wbg_x_1: f }; g(__wbg_x_1)", &renames).is_err());
        // A longer name that starts with this one is another import.
        assert_eq!(
            rename_in_glue("{ __wbg_x_1: f, __wbg_x_1_2: g }", &renames).unwrap(),
            "{ a: f, __wbg_x_1_2: g }"
        );
    }

    #[test]
    fn a_truncated_module_is_an_error() {
        let wasm = module(&[(GLUE_MODULE, "__wbg_x_1", &[0, 0])]);
        assert!(rename_imports(&wasm[..wasm.len() - 8], GLUE_MODULE).is_err());
        assert!(rename_imports(b"not wasm", GLUE_MODULE).is_err());
    }

    /// A module with an export section of functions named `names`.
    fn exporting(names: &[&str]) -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        let mut section = Vec::new();
        push_leb(&mut section, names.len() as u64);
        for (i, name) in names.iter().enumerate() {
            push_name(&mut section, name);
            section.extend_from_slice(&[0, i as u8]);
        }
        wasm.push(7);
        push_leb(&mut wasm, section.len() as u64);
        wasm.extend_from_slice(&section);
        wasm
    }

    #[test]
    fn exports_only_the_glue_reaches_get_short_names_in_both_files() {
        let shim = "wasm_bindgen__convert__closures_____invoke__h0123456789abcdef";
        let glue = format!(
            "export function mountMessenger(h) {{ wasm.mountMessenger(h); }}\n\
             function f(a) {{ wasm.{shim}(a); wasm.{shim}_10(a); return wasm.memory; }}\n\
             const p = wasm.__wbindgen_malloc(1); wasm.__wbindgen_malloc(2);"
        );
        let names = [
            "memory",
            "mountMessenger",
            shim,
            "__wbindgen_malloc",
            "__abort_handler",
        ];
        let (out, renames) = rename_exports(&exporting(&names), |n| glue_only(&glue, n)).unwrap();
        assert_eq!(
            renames,
            [
                (shim.to_string(), "a".to_string()),
                ("__wbindgen_malloc".to_string(), "b".to_string()),
                ("__abort_handler".to_string(), "c".to_string()),
            ]
        );
        assert_eq!(out, exporting(&["memory", "mountMessenger", "a", "b", "c"]));
        assert_eq!(
            rename_exports_in_glue(&glue, &renames),
            format!(
                "export function mountMessenger(h) {{ wasm.mountMessenger(h); }}\n\
                 function f(a) {{ wasm.a(a); wasm.{shim}_10(a); return wasm.memory; }}\n\
                 const p = wasm.b(1); wasm.b(2);"
            )
        );
    }
}
