//! A program as a value-model test lays it out: types by die number (and their template arguments), memory as one
//! run of bytes at a base address. The one fake `Reader` the tests of enums, visualizers and walkers read through.

use std::collections::HashMap;

use super::children::Reader;
use super::{BaseKind, Member, Type, TypeId, TypeKind, Value, ValueBytes};
use crate::error::{Error, Result};
use crate::memory::ReadMemory;

#[derive(Default)]
pub(crate) struct TestImage {
    pub types: HashMap<u64, Type>,
    /// Template arguments by the die of the type that has them.
    pub args: HashMap<u64, Vec<TypeId>>,
    /// Where `bytes` are in the address space; nothing else is readable.
    pub base: u64,
    pub bytes: Vec<u8>,
}

impl ReadMemory for TestImage {
    fn read(&mut self, address: u64, buf: &mut [u8]) -> Result<usize> {
        let from = address.checked_sub(self.base).ok_or(Error::MemoryAccess(address))?;
        let from = usize::try_from(from).map_err(|_| Error::MemoryAccess(address))?;
        let have = self.bytes.get(from..).filter(|b| !b.is_empty()).ok_or(Error::MemoryAccess(address))?;
        let n = have.len().min(buf.len());
        buf[..n].copy_from_slice(&have[..n]);
        Ok(n)
    }
}

impl Reader for TestImage {
    fn type_of(&mut self, id: TypeId) -> Option<Type> {
        self.types.get(&id.die).cloned()
    }
    fn object(&mut self, ty: Type, type_id: Option<TypeId>, address: u64) -> Value {
        let mut bytes = vec![0u8; ty.size.unwrap_or(0) as usize];
        let bytes = match self.read_exact(address, &mut bytes) {
            Ok(()) => ValueBytes::Known(bytes),
            Err(_) => ValueBytes::MemoryError(address),
        };
        Value { ty, type_id, bytes, address: Some(address) }
    }
    fn memory(&mut self) -> &mut dyn ReadMemory {
        self
    }
    fn template_args(&mut self, id: TypeId) -> Vec<TypeId> {
        self.args.get(&id.die).cloned().unwrap_or_default()
    }
    fn named_type(&mut self, name: &str, _: Option<TypeId>) -> Option<(Type, TypeId)> {
        self.types.iter().find(|(_, t)| t.name == name).map(|(&die, t)| (t.clone(), TypeId::new(0, die)))
    }
}

/// Type `die` of module 0.
pub(crate) fn id(die: u64) -> TypeId {
    TypeId::new(0, die)
}

pub(crate) fn member(name: &str, ty: u64, offset: u64) -> Member {
    Member { name: name.into(), ty: id(ty), offset, bits: None, base: false }
}

pub(crate) fn record(name: &str, size: u64, members: Vec<Member>) -> Type {
    Type { name: name.into(), size: Some(size), kind: TypeKind::Record { members } }
}

pub(crate) fn pointer(name: &str, target: u64) -> Type {
    Type { name: name.into(), size: Some(8), kind: TypeKind::Pointer { target: Some(id(target)), reference: false } }
}

pub(crate) fn base_type(name: &str, size: u64, kind: BaseKind) -> Type {
    Type { name: name.into(), size: Some(size), kind: TypeKind::Base(kind) }
}

/// Little-endian 64-bit words as bytes.
pub(crate) fn words(words: &[u64]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}
