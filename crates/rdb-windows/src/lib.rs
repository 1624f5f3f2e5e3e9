//! rdb's Windows backend: the Win32 debugging API translated into the engine's [`Event`] vocabulary.
//!
//! Built only for Windows; on other systems this crate is empty.
#![cfg(windows)]

pub mod console;
mod target;

pub use target::WindowsTarget;
