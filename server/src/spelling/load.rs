//! Reading one Hunspell dictionary (`.aff` + `.dic`) from disk into spellbook.

use std::path::{Path, PathBuf};

use encoding_rs::Encoding;
use spellbook::Dictionary;

/// The file names (without extension) tried for each interface language, in order.
/// Debian ships French as `fr` (with `fr_FR` a symlink); LibreOffice's own is `fr_FR`.
pub const FILES: [(&str, &[&str]); 5] = [
    ("en", &["en_US"]),
    ("fr", &["fr_FR", "fr"]),
    ("pl", &["pl_PL"]),
    ("ru", &["ru_RU"]),
    ("vi", &["vi_VN"]),
];

/// Loads the dictionary of `lang` (one of [`FILES`]) from `dir`. The error names the files
/// and the reason, for the server log.
pub fn load(dir: &Path, names: &[&str]) -> Result<Dictionary, String> {
    let Some(base) = names
        .iter()
        .map(|name| dir.join(name))
        .find(|base| base.with_extension("aff").is_file())
    else {
        let tried: Vec<String> = names
            .iter()
            .map(|name| dir.join(format!("{name}.aff")).display().to_string())
            .collect();
        return Err(format!(
            "no dictionary file: tried {} (install Debian's hunspell-* packages, or set \
             --dictionaries / MESSENGER_DICTIONARIES)",
            tried.join(", ")
        ));
    };
    let aff_path = base.with_extension("aff");
    let dic_path = base.with_extension("dic");
    let aff = read(&aff_path)?;
    let dic = read(&dic_path)?;
    // Both files are in the encoding the .aff file's `SET` line names (Debian's Polish
    // is ISO8859-2); spellbook takes UTF-8 only.
    let encoding = encoding_of(&aff).map_err(|e| format!("{}: {e}", aff_path.display()))?;
    let aff = decode(encoding, &aff);
    let dic = decode(encoding, &dic);
    Dictionary::new(&aff, &dic).map_err(|e| {
        format!(
            "{} / {}: not a dictionary spellbook can read: {e}",
            aff_path.display(),
            dic_path.display()
        )
    })
}

fn read(path: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The encoding named by the `SET` line of an .aff file; Hunspell's default is ISO8859-1.
pub fn encoding_of(aff: &[u8]) -> Result<&'static Encoding, String> {
    let label = aff
        .split(|&b| b == b'\n')
        .map(|line| line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line))
        .find_map(|line| line.strip_prefix(b"SET"))
        .map(|rest| String::from_utf8_lossy(rest).trim().to_owned())
        .filter(|label| !label.is_empty())
        .unwrap_or_else(|| "ISO8859-1".into());
    // Hunspell writes `microsoft-cp1251` where the WHATWG labels say `cp1251`.
    let whatwg = label.to_ascii_lowercase().replace("microsoft-", "");
    Encoding::for_label(whatwg.as_bytes())
        .ok_or_else(|| format!("unknown encoding {label:?} in its SET line"))
}

fn decode(encoding: &'static Encoding, bytes: &[u8]) -> String {
    encoding.decode_with_bom_removal(bytes).0.into_owned()
}

#[cfg(test)]
mod tests {
    use super::encoding_of;

    #[test]
    fn the_set_line_names_the_encoding() {
        let enc = |aff: &[u8]| encoding_of(aff).map(|e| e.name());
        assert_eq!(enc(b"# x\nSET UTF-8\nTRY abc\n"), Ok("UTF-8"));
        assert_eq!(enc(b"SET ISO8859-2\r\n"), Ok("ISO-8859-2"));
        assert_eq!(enc(b"SET microsoft-cp1251\n"), Ok("windows-1251"));
        assert_eq!(enc(b"\xEF\xBB\xBFSET UTF-8\n"), Ok("UTF-8"));
        // No SET line: Hunspell's default (WHATWG reads Latin-1 as windows-1252).
        assert_eq!(enc(b"TRY abc\n"), Ok("windows-1252"));
        assert!(enc(b"SET EBCDIC-42\n").is_err());
    }
}
