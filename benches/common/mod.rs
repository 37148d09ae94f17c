//! What the bench binaries share: writing their JSON report next to criterion's output.

/// Writes `json` to `$CARGO_TARGET_DIR/criterion-reports/{name}.json` (default `target/`) and
/// says where on stderr; a write failure is reported, not fatal.
pub fn write_report(name: &str, json: &serde_json::Value) {
    let dir = std::path::PathBuf::from(
        std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()),
    )
    .join("criterion-reports");
    let path = dir.join(format!("{name}.json"));
    let written = std::fs::create_dir_all(&dir).and_then(|()| {
        std::fs::write(
            &path,
            serde_json::to_string_pretty(json).expect("json") + "\n",
        )
    });
    match written {
        Ok(()) => eprintln!("  report: {}", path.display()),
        Err(e) => eprintln!("  could not write {}: {e}", path.display()),
    }
}
