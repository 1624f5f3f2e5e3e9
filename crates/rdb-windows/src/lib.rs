//! rdb's Windows backend: the Win32 debugging API translated into the engine's event vocabulary.
//!
//! Built only for Windows; on other systems this crate is empty.
#![cfg(windows)]

pub mod console;
mod context;
mod exceptions;
mod handles;
mod launch;
mod memory;
mod paths;
mod peb;
mod target;
mod wait;

pub use launch::Place;
pub use target::WindowsTarget;
