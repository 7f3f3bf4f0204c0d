//! File checks shared by the tests of the server's files and of the command line.

/// Every file and folder below `dir` whose mode lets its group or others in.
#[cfg(unix)]
pub fn open_to_others(dir: &std::path::Path) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let mode = entry.metadata().unwrap().permissions().mode();
        if mode & 0o077 != 0 {
            found.push(format!("{} {:o}", entry.path().display(), mode & 0o777));
        }
        if entry.path().is_dir() {
            found.extend(open_to_others(&entry.path()));
        }
    }
    found
}
