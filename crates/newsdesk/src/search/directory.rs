//! Where the index's files are read from: memory-mapped, except the stored documents.
//!
//! Postings, term dictionaries, fast fields and norms are read on every query, in small scattered
//! pieces: mapped, they cost no copy and the kernel keeps the hot parts. Stored documents are read
//! only for a search page's ten hits, a block each. Mapped, each read also made the process
//! resident for the pages around it (the kernel maps ahead on a fault): 29 MiB of a server over
//! 100,000 articles after 78 search pages, counted against its memory budget and never given back.
//! Read with `pread`, a block is copied once into the reader's small block cache and the file's
//! pages stay in the kernel's page cache, where they can be dropped. (Elasticsearch's `hybridfs`
//! makes the same split.)
//!
//! Reads larger than [`MAPPED_ABOVE`] (a merge stacking whole stores) still use the map, so a merge
//! never copies a store into memory.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::HasLen;
use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, OwnedBytes, WatchCallback,
    WatchHandle, WritePtr,
};

/// Reads of stored documents up to this size are copied with `pread`; larger ones are mapped.
const MAPPED_ABOVE: usize = 1 << 20;

/// A [`MmapDirectory`] whose `.store` files are read with `pread` (see the module docs).
#[derive(Clone, Debug)]
pub struct IndexDirectory {
    mapped: MmapDirectory,
    root: PathBuf,
}

impl IndexDirectory {
    pub fn open(root: &Path) -> anyhow::Result<Self> {
        Ok(Self {
            mapped: MmapDirectory::open(root)?,
            root: root.to_path_buf(),
        })
    }
}

impl Directory for IndexDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        let mapped = self.mapped.get_file_handle(path)?;
        if path.extension().is_none_or(|e| e != "store") {
            return Ok(mapped);
        }
        let full = self.root.join(path);
        let file = File::open(&full).map_err(|io_error| OpenReadError::IoError {
            io_error: Arc::new(io_error),
            filepath: full,
        })?;
        Ok(Arc::new(StoredDocuments { file, mapped }))
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.mapped.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.mapped.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.mapped.open_write(path)
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.mapped.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        self.mapped.atomic_write(path, data)
    }

    fn sync_directory(&self) -> io::Result<()> {
        self.mapped.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        self.mapped.acquire_lock(lock)
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.mapped.watch(watch_callback)
    }
}

/// A `.store` file: small reads copied from the file, large ones from its map.
#[derive(Debug)]
struct StoredDocuments {
    file: File,
    mapped: Arc<dyn FileHandle>,
}

impl HasLen for StoredDocuments {
    fn len(&self) -> usize {
        self.mapped.len()
    }
}

impl FileHandle for StoredDocuments {
    fn read_bytes(&self, range: Range<usize>) -> io::Result<OwnedBytes> {
        if range.len() > MAPPED_ABOVE {
            return self.mapped.read_bytes(range);
        }
        if range.end > self.len() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("bytes {range:?} of a {}-byte store", self.len()),
            ));
        }
        let mut buffer = vec![0; range.len()];
        self.file.read_exact_at(&mut buffer, range.start as u64)?;
        Ok(OwnedBytes::new(buffer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads of a store give the file's bytes whichever way they are read.
    #[test]
    fn stored_documents_read_the_same_copied_or_mapped() {
        let dir = tempfile::tempdir().unwrap();
        let bytes: Vec<u8> = (0..(MAPPED_ABOVE + 5000))
            .map(|i| (i % 251) as u8)
            .collect();
        std::fs::write(dir.path().join("a.store"), &bytes).unwrap();
        let directory = IndexDirectory::open(dir.path()).unwrap();
        let handle = directory.get_file_handle(Path::new("a.store")).unwrap();
        assert_eq!(handle.len(), bytes.len());
        let small = handle.read_bytes(10..4000).unwrap();
        assert_eq!(small.as_slice(), &bytes[10..4000]);
        let large = handle.read_bytes(0..bytes.len()).unwrap();
        assert_eq!(large.as_slice(), &bytes[..]);
        let past = handle.read_bytes(bytes.len() - 10..bytes.len() + 10);
        assert!(past.is_err());
    }
}
