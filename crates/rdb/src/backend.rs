//! The one place that names this OS's backend: how to launch or attach a target here.

use std::path::Path;

use rdb_engine::Result;
use rdb_engine::target::Target;

/// Launch `program`; with `follow_children`, the processes it creates are debugged too, where the target can.
#[cfg(target_os = "linux")]
pub fn launch(program: &Path, args: &[String], follow_children: bool) -> Result<Box<dyn Target>> {
    use rdb_engine::target::ProcessFamily;
    let mut target = rdb_linux::LinuxTarget::launch(program, args)?;
    target.follow_children(follow_children)?;
    Ok(Box::new(target))
}

#[cfg(target_os = "linux")]
pub fn attach(pid: u32) -> Result<Box<dyn Target>> {
    Ok(Box::new(rdb_linux::LinuxTarget::attach(pid)?))
}

#[cfg(windows)]
pub fn launch(program: &Path, args: &[String], follow_children: bool) -> Result<Box<dyn Target>> {
    Ok(Box::new(rdb_windows::WindowsTarget::launch(program, args, follow_children)?))
}

#[cfg(windows)]
pub fn attach(pid: u32) -> Result<Box<dyn Target>> {
    Ok(Box::new(rdb_windows::WindowsTarget::attach(pid)?))
}

/// Let the engine map module files with this OS's mmap instead of reading them whole.
pub fn install() {
    #[cfg(target_os = "linux")]
    rdb_engine::symbols::source::set_file_mapper(rdb_linux::map_file);
    #[cfg(windows)]
    rdb_engine::symbols::source::set_file_mapper(rdb_windows::map_file);
}
