//! `vFile:`: the client reads the executable and its libraries from the server's machine (gdb's `target:` sysroot),
//! which is what makes a server on another machine usable without copying files. Read-only: a client may not
//! write, create or delete files through rdb. Only regular files are opened, without blocking: the library paths
//! a client asks for come from the debuggee's own loader list, and a debuggee naming a FIFO there must not hang the
//! server.

use std::collections::BTreeMap;
use std::fs::File;

use gdbstub::target::ext::host_io::{
    FsKind, HostIo, HostIoClose, HostIoCloseOps, HostIoErrno, HostIoError, HostIoFstat, HostIoFstatOps, HostIoOpen,
    HostIoOpenFlags, HostIoOpenMode, HostIoOpenOps, HostIoPread, HostIoPreadOps, HostIoReadlink, HostIoReadlinkOps,
    HostIoResult, HostIoSetfs, HostIoSetfsOps, HostIoStat,
};

use crate::target::Server;

/// At most this many files open for the client at once.
const MAX_OPEN: usize = 64;

/// The files the client has open, by the descriptor it was given.
#[derive(Debug, Default)]
pub struct OpenFiles {
    files: BTreeMap<u32, File>,
}

fn errno<T>(e: HostIoErrno) -> HostIoResult<T, Server> {
    Err(HostIoError::Errno(e))
}

fn path_of(filename: &[u8]) -> std::path::PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        std::path::PathBuf::from(std::ffi::OsStr::from_bytes(filename))
    }
    #[cfg(not(unix))]
    {
        std::path::PathBuf::from(String::from_utf8_lossy(filename).into_owned())
    }
}

impl HostIo for Server {
    fn support_open(&mut self) -> Option<HostIoOpenOps<'_, Self>> {
        Some(self)
    }

    fn support_close(&mut self) -> Option<HostIoCloseOps<'_, Self>> {
        Some(self)
    }

    fn support_pread(&mut self) -> Option<HostIoPreadOps<'_, Self>> {
        Some(self)
    }

    fn support_fstat(&mut self) -> Option<HostIoFstatOps<'_, Self>> {
        Some(self)
    }

    fn support_readlink(&mut self) -> Option<HostIoReadlinkOps<'_, Self>> {
        Some(self)
    }

    fn support_setfs(&mut self) -> Option<HostIoSetfsOps<'_, Self>> {
        Some(self)
    }
}

impl HostIoOpen for Server {
    fn open(&mut self, filename: &[u8], flags: HostIoOpenFlags, _mode: HostIoOpenMode) -> HostIoResult<u32, Self> {
        let writing = HostIoOpenFlags::O_WRONLY
            | HostIoOpenFlags::O_RDWR
            | HostIoOpenFlags::O_APPEND
            | HostIoOpenFlags::O_CREAT
            | HostIoOpenFlags::O_TRUNC;
        if flags.intersects(writing) {
            return errno(HostIoErrno::EROFS);
        }
        if self.files.files.len() >= MAX_OPEN {
            return errno(HostIoErrno::EMFILE);
        }
        // As rdb opens module files: without blocking, and only a regular file.
        let file = rdb_host::open_regular(&path_of(filename))?;
        let fd = (0..).find(|fd| !self.files.files.contains_key(fd)).unwrap_or(0);
        self.files.files.insert(fd, file);
        Ok(fd)
    }
}

impl HostIoClose for Server {
    fn close(&mut self, fd: u32) -> HostIoResult<(), Self> {
        match self.files.files.remove(&fd) {
            Some(_) => Ok(()),
            None => errno(HostIoErrno::EBADF),
        }
    }
}

impl HostIoPread for Server {
    fn pread(&mut self, fd: u32, count: usize, offset: u64, buf: &mut [u8]) -> HostIoResult<usize, Self> {
        let Some(file) = self.files.files.get(&fd) else { return errno(HostIoErrno::EBADF) };
        let n = count.min(buf.len());
        #[cfg(unix)]
        let read = std::os::unix::fs::FileExt::read_at(file, &mut buf[..n], offset)?;
        #[cfg(windows)]
        let read = std::os::windows::fs::FileExt::seek_read(file, &mut buf[..n], offset)?;
        Ok(read)
    }
}

impl HostIoFstat for Server {
    fn fstat(&mut self, fd: u32) -> HostIoResult<HostIoStat, Self> {
        let Some(file) = self.files.files.get(&fd) else { return errno(HostIoErrno::EBADF) };
        let meta = file.metadata()?;
        Ok(HostIoStat {
            st_dev: 0,
            st_ino: 0,
            st_mode: HostIoOpenMode::S_IFREG
                | HostIoOpenMode::S_IRUSR
                | HostIoOpenMode::S_IRGRP
                | HostIoOpenMode::S_IROTH,
            st_nlink: 1,
            st_uid: 0,
            st_gid: 0,
            st_rdev: 0,
            st_size: meta.len(),
            st_blksize: 4096,
            st_blocks: meta.len().div_ceil(512),
            st_atime: 0,
            st_mtime: 0,
            st_ctime: 0,
        })
    }
}

impl HostIoReadlink for Server {
    fn readlink(&mut self, filename: &[u8], buf: &mut [u8]) -> HostIoResult<usize, Self> {
        let target = std::fs::read_link(path_of(filename))?;
        let text = target.to_string_lossy();
        let bytes = text.as_bytes();
        if bytes.len() > buf.len() {
            return errno(HostIoErrno::ENAMETOOLONG);
        }
        buf[..bytes.len()].copy_from_slice(bytes);
        Ok(bytes.len())
    }
}

impl HostIoSetfs for Server {
    // The debuggee and the server share one filesystem (no mount namespaces of their own here).
    fn setfs(&mut self, _fs: FsKind) -> HostIoResult<(), Self> {
        Ok(())
    }
}
