//! What a client asks about the process rather than of it: the target description, the executable, the
//! auxiliary vector, the shared libraries (gdb's SVR4 list on Linux, its Windows list of DLLs), lldb's host and
//! process info, and extended-remote's run, attach and kill.

use std::path::Path;

use gdbstub::common::{Endianness, Pid as GdbPid};
use gdbstub::target::ext::auxv::Auxv;
use gdbstub::target::ext::exec_file::ExecFile;
use gdbstub::target::ext::extended_mode::{
    Args, AttachKind, CurrentActivePid, CurrentActivePidOps, ExtendedMode, ShouldTerminate,
};
use gdbstub::target::ext::host_info::{HostInfo, HostInfoResponse};
use gdbstub::target::ext::libraries::{Libraries, LibrariesSvr4};
use gdbstub::target::ext::process_info::{ProcessInfo, ProcessInfoResponse};
use gdbstub::target::ext::target_description_xml_override::TargetDescriptionXmlOverride;
use gdbstub::target::{TargetError, TargetResult};
use rdb_engine::debugger::Launch;

use crate::registers::{Flavour, description};
use crate::target::{Server, refused};

/// Copy the part of `data` a `qXfer` read asks for; the length copied (0: the end).
fn xfer(data: &[u8], offset: u64, length: usize, buf: &mut [u8]) -> usize {
    let Ok(start) = usize::try_from(offset) else { return 0 };
    let Some(rest) = data.get(start..) else { return 0 };
    let n = rest.len().min(length).min(buf.len());
    buf[..n].copy_from_slice(&rest[..n]);
    n
}

/// Text as an XML attribute value.
fn attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 => out.push_str(&format!("&#{};", c as u32)),
            c => out.push(c),
        }
    }
    out
}

impl Server {
    fn triple(&self) -> &'static str {
        match self.flavour {
            Flavour::Linux => "x86_64-pc-linux-gnu",
            Flavour::Windows => "x86_64-pc-windows-msvc",
        }
    }

    /// gdb's SVR4 library list: the loader's own list, each entry where the loader keeps it.
    fn svr4_libraries(&self) -> rdb_engine::Result<String> {
        let list = self.call(|d| d.session_mut().link_map())?.unwrap_or_default();
        let main = list.first().map(|e| e.address).unwrap_or(0);
        let mut xml = format!("<library-list-svr4 version=\"1.0\" main-lm=\"{main:#x}\">");
        for e in list.iter().skip(1).filter(|e| !e.name.is_empty()) {
            xml.push_str(&format!(
                "<library name=\"{}\" lm=\"{:#x}\" l_addr=\"{:#x}\" l_ld=\"{:#x}\" lmid=\"0x0\"/>",
                attribute(&String::from_utf8_lossy(&e.name)),
                e.address,
                e.bias,
                e.dynamic
            ));
        }
        xml.push_str("</library-list-svr4>");
        Ok(xml)
    }

    /// The Windows library list: every DLL with the address of its first section for gdb (its solib-target places a
    /// file by its first section; gdb's own Windows port puts it 0x1000 past the image base, where the linkers put
    /// `.text`), with its image base as a `section` for lldb (which takes the first `section` as the image base,
    /// and ignores `segment`s).
    fn windows_libraries(&self) -> rdb_engine::Result<String> {
        let modules = self.call(|d| {
            let s = d.session();
            let exe = s.exe_path().cloned();
            Ok(s.modules
                .iter()
                .filter(|m| Some(&m.path) != exe.as_ref())
                .map(|m| (m.path.clone(), m.base))
                .collect::<Vec<_>>())
        })?;
        let mut xml = String::from("<library-list>");
        for (path, base) in modules {
            let place = match self.lldb.get() {
                true => format!("<section address=\"{base:#x}\"/>"),
                false => format!("<segment address=\"{:#x}\"/>", base.wrapping_add(0x1000)),
            };
            xml.push_str(&format!("<library name=\"{}\">{place}</library>", attribute(&path.to_string_lossy())));
        }
        xml.push_str("</library-list>");
        Ok(xml)
    }
}

impl TargetDescriptionXmlOverride for Server {
    fn target_description_xml(
        &self,
        annex: &[u8],
        offset: u64,
        length: usize,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        if annex != b"target.xml" {
            return Err(TargetError::Errno(2));
        }
        Ok(xfer(description(self.flavour).as_bytes(), offset, length, buf))
    }
}

impl ExecFile for Server {
    fn get_exec_file(
        &self,
        _pid: Option<GdbPid>,
        offset: u64,
        length: usize,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        let path = self.call(|d| Ok(d.session().exe_path().cloned())).or_else(refused)?;
        let Some(path) = path else { return Err(TargetError::Errno(2)) };
        Ok(xfer(path.to_string_lossy().as_bytes(), offset, length, buf))
    }
}

impl Auxv for Server {
    fn get_auxv(&self, offset: u64, length: usize, buf: &mut [u8]) -> TargetResult<usize, Self> {
        let auxv = self.call(|d| d.session_mut().auxiliary_vector()).or_else(refused)?;
        let Some(auxv) = auxv else { return Err(TargetError::Errno(2)) };
        Ok(xfer(&auxv, offset, length, buf))
    }
}

impl LibrariesSvr4 for Server {
    fn get_libraries_svr4(&self, offset: u64, length: usize, buf: &mut [u8]) -> TargetResult<usize, Self> {
        let xml = self.svr4_libraries().or_else(refused)?;
        Ok(xfer(xml.as_bytes(), offset, length, buf))
    }
}

impl Libraries for Server {
    fn get_libraries(&self, offset: u64, length: usize, buf: &mut [u8]) -> TargetResult<usize, Self> {
        let xml = self.windows_libraries().or_else(refused)?;
        Ok(xfer(xml.as_bytes(), offset, length, buf))
    }
}

impl HostInfo for Server {
    fn host_info(&self, write_item: &mut dyn FnMut(&HostInfoResponse<'_>)) -> Result<(), String> {
        self.lldb.set(true);
        write_item(&HostInfoResponse::Triple(self.triple()));
        write_item(&HostInfoResponse::Endianness(Endianness::Little));
        write_item(&HostInfoResponse::PointerSize(8));
        Ok(())
    }
}

impl ProcessInfo for Server {
    fn process_info(&self, write_item: &mut dyn FnMut(&ProcessInfoResponse<'_>)) -> Result<(), String> {
        self.lldb.set(true);
        if let Some(pid) = GdbPid::new(self.pid as usize) {
            write_item(&ProcessInfoResponse::Pid(pid));
        }
        write_item(&ProcessInfoResponse::Triple(self.triple()));
        write_item(&ProcessInfoResponse::Endianness(Endianness::Little));
        write_item(&ProcessInfoResponse::PointerSize(8));
        Ok(())
    }
}

impl ExtendedMode for Server {
    fn run(&mut self, filename: Option<&[u8]>, args: Args<'_, '_>) -> TargetResult<GdbPid, Self> {
        let args: Vec<String> = args.map(|a| String::from_utf8_lossy(a).into_owned()).collect();
        let program = filename.map(|f| Path::new(&*String::from_utf8_lossy(f)).to_path_buf());
        let stop = self
            .call(move |d| {
                let program = match program {
                    Some(p) => p,
                    None => d
                        .launched()
                        .map(|l| l.program.clone())
                        .ok_or_else(|| rdb_engine::err!("no program to run: give one (set remote exec-file)"))?,
                };
                if d.session().is_live() {
                    d.session_mut().kill()?;
                }
                d.launch(Launch { program, args, ..Default::default() })
            })
            .or_else(refused)?;
        self.started(stop, true);
        GdbPid::new(self.pid as usize).ok_or(TargetError::Errno(3))
    }

    fn attach(&mut self, pid: GdbPid) -> TargetResult<(), Self> {
        let pid = pid.get() as u32;
        let stop = self
            .call(move |d| {
                if d.session().is_live() {
                    return Err(rdb_engine::err!("already debugging a process: detach or kill it first"));
                }
                d.attach(pid)
            })
            .or_else(refused)?;
        self.started(stop, false);
        Ok(())
    }

    fn query_if_attached(&mut self, _pid: GdbPid) -> TargetResult<AttachKind, Self> {
        Ok(if self.launched { AttachKind::Run } else { AttachKind::Attach })
    }

    fn kill(&mut self, pid: Option<GdbPid>) -> TargetResult<ShouldTerminate, Self> {
        if !self.exited {
            self.call(|d| d.session_mut().kill()).or_else(refused)?;
        }
        self.exited = true;
        self.breakpoints.clear();
        // `k` ends the session; extended-remote's `vKill;pid` leaves the server for another `run`.
        Ok(if pid.is_some() { ShouldTerminate::No } else { ShouldTerminate::Yes })
    }

    fn restart(&mut self) -> Result<(), String> {
        let stop = self.call(|d| d.restart()).map_err(|e| e.to_string())?;
        self.started(stop, true);
        Ok(())
    }

    fn support_current_active_pid(&mut self) -> Option<CurrentActivePidOps<'_, Self>> {
        Some(self)
    }
}

impl CurrentActivePid for Server {
    fn current_active_pid(&mut self) -> Result<GdbPid, String> {
        GdbPid::new(self.pid as usize).ok_or_else(|| "no process".to_string())
    }
}
