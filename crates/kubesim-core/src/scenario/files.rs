//! Where the files a scenario names come from: the scenario itself, its `include:` list and
//! its timeline's `apply -f` files. The core never opens a file; its caller says how to
//! read one (the command line reads the disk; a browser or a test passes them in memory).

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// The files a scenario may read, by path.
pub trait Files {
    /// Whether `path` is a file that can be read.
    fn is_file(&self, path: &Path) -> bool;
    /// Whether `path` is a folder (said so when a scenario names one as a file).
    fn is_dir(&self, path: &Path) -> bool;
    /// `path` as a message shows where it was looked for.
    fn absolute(&self, path: &Path) -> PathBuf {
        path.to_path_buf()
    }
    /// The bytes of `path`, at most `cap` of them: a larger file is read no further, so that
    /// an endless or huge file cannot exhaust memory (the caller then refuses it).
    fn read(&self, path: &Path, cap: u64) -> io::Result<Vec<u8>>;
    /// The entries (files and folders) of the folder `path`, each as `path` joined with its
    /// name, sorted by name: a folder named as manifests (`include: dir/`, `apply -f dir/`)
    /// is read in this order, as kubectl reads one.
    fn list_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>>;
}

/// No files at all: a scenario given as text that names none.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoFiles;

impl Files for NoFiles {
    fn is_file(&self, _: &Path) -> bool {
        false
    }
    fn is_dir(&self, _: &Path) -> bool {
        false
    }
    fn read(&self, _: &Path, _: u64) -> io::Result<Vec<u8>> {
        Err(io::ErrorKind::NotFound.into())
    }
    fn list_dir(&self, _: &Path) -> io::Result<Vec<PathBuf>> {
        Err(io::ErrorKind::NotFound.into())
    }
}

/// Files held in memory, by path (a browser's uploads, a test's fixtures).
#[derive(Clone, Debug, Default)]
pub struct MemoryFiles {
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl MemoryFiles {
    /// Adds (or replaces) the file at `path`.
    pub fn insert(&mut self, path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) -> &mut Self {
        self.files.insert(path.into(), contents.into());
        self
    }
}

impl Files for MemoryFiles {
    fn is_file(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }
    fn is_dir(&self, path: &Path) -> bool {
        self.files.keys().any(|f| f.starts_with(path) && f != path)
    }
    fn read(&self, path: &Path, cap: u64) -> io::Result<Vec<u8>> {
        let bytes = self.files.get(path).ok_or(io::ErrorKind::NotFound)?;
        Ok(bytes[..bytes.len().min(usize::try_from(cap).unwrap_or(usize::MAX))].to_vec())
    }
    /// A folder's entries are the first component below it of the keys under it.
    fn list_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        if !self.is_dir(path) {
            return Err(io::ErrorKind::NotFound.into());
        }
        let mut names = std::collections::BTreeSet::new();
        for f in self.files.keys() {
            if let Some(first) = f.strip_prefix(path).ok().and_then(|rest| rest.components().next()) {
                names.insert(first.as_os_str().to_os_string());
            }
        }
        Ok(names.into_iter().map(|n| path.join(n)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_files_are_found_by_path_and_capped() {
        let mut files = MemoryFiles::default();
        files.insert("dir/a.yaml", "kind: Pod\n");
        assert!(files.is_file(Path::new("dir/a.yaml")));
        assert!(!files.is_file(Path::new("dir")));
        assert!(files.is_dir(Path::new("dir")));
        assert!(!files.is_dir(Path::new("dir/a.yaml")));
        assert_eq!(files.read(Path::new("dir/a.yaml"), 4).unwrap(), b"kind");
        assert_eq!(files.read(Path::new("b.yaml"), 4).unwrap_err().kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn memory_folders_list_their_entries_by_name() {
        let mut files = MemoryFiles::default();
        files.insert("dir/b.yaml", "").insert("dir/a.json", "").insert("dir/sub/c.yaml", "").insert("dirx/d.yaml", "");
        let names = files.list_dir(Path::new("dir")).unwrap();
        assert_eq!(names, [Path::new("dir/a.json"), Path::new("dir/b.yaml"), Path::new("dir/sub")]);
        assert!(files.is_dir(Path::new("dir/sub")));
        assert!(files.list_dir(Path::new("dir/b.yaml")).is_err());
        assert!(NoFiles.list_dir(Path::new("dir")).is_err());
    }
}
