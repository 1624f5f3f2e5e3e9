//! The one place that names this OS's backend: how to launch or attach a target here.

use std::path::Path;

use rdb_engine::Result;
use rdb_engine::target::Target;

#[cfg(target_os = "linux")]
pub fn launch(program: &Path, args: &[String]) -> Result<Box<dyn Target>> {
    Ok(Box::new(rdb_linux::LinuxTarget::launch(program, args)?))
}

#[cfg(target_os = "linux")]
pub fn attach(pid: u32) -> Result<Box<dyn Target>> {
    Ok(Box::new(rdb_linux::LinuxTarget::attach(pid)?))
}

#[cfg(windows)]
pub fn launch(program: &Path, args: &[String]) -> Result<Box<dyn Target>> {
    Ok(Box::new(rdb_windows::WindowsTarget::launch(program, args)?))
}

#[cfg(windows)]
pub fn attach(pid: u32) -> Result<Box<dyn Target>> {
    Ok(Box::new(rdb_windows::WindowsTarget::attach(pid)?))
}
