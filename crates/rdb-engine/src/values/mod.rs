//! The value model every front end renders: types, variables and their values, as plain data. The debug
//! information (DWARF today) is read into these shapes by `symbols`; the session reads the bytes; the console, DAP
//! and Python only render them, each its own way (`0n5` or `5`).

mod abi;
mod children;
pub mod cxx;
mod dynamic;
mod native;
mod read;
pub mod rust;
mod summary;
#[cfg(test)]
pub(crate) mod test_image;
pub(crate) mod visualizers;

pub(crate) use abi::entry_registers;
pub use children::{MAX_ELEMENTS, has_children};
pub(crate) use children::{Reader, children, expansion};
pub(crate) use dynamic::{refine, whole_object};
pub use native::{MAX_DEPTH, Native, Source as NativeSource, native};
pub(crate) use read::{FrameRegisters, read};
pub(crate) use summary::summary_of;
pub use summary::{Summary, language_text};

/// Names a type in one module's debug information: the module (by its base address) and the type's entry (its
/// offset in `.debug_info`). [`Session::type_of`](crate::session::Session::type_of) resolves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeId {
    pub(crate) module: u64,
    pub(crate) die: u64,
}

impl TypeId {
    /// The id of entry `die` of the module at `module`: what the debug information hands out; made by hand only
    /// by programs that describe their own types (the fuzz kit's).
    pub const fn new(module: u64, die: u64) -> TypeId {
        TypeId { module, die }
    }
}

/// A type as the debug information describes it. Typedefs and `const`/`volatile` are seen through: `name` is the
/// type as the program wrote it (`size_t`, `const char *`), `kind` and `size` are what it is underneath.
#[derive(Debug, Clone, PartialEq)]
pub struct Type {
    /// The name as C and C++ write it: `int`, `struct point *`, `char [16]`, `const char *`.
    pub name: String,
    /// Size in bytes; `None` for `void`, functions and incomplete types.
    pub size: Option<u64>,
    pub kind: TypeKind,
}

impl Type {
    /// The type of something whose debug information names none.
    pub fn unknown() -> Type {
        Type { name: "<unknown type>".into(), size: None, kind: TypeKind::Other }
    }
}

/// What a type is, underneath its typedefs and qualifiers.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    Void,
    /// An integer, character, boolean or floating-point type.
    Base(BaseKind),
    /// A pointer (or C++ reference) to `target`; `None` for `void *`.
    Pointer {
        target: Option<TypeId>,
        reference: bool,
    },
    /// A struct, class or union with its data members.
    Record {
        members: Vec<Member>,
    },
    /// An array of `count` elements (`None`: unknown, as for `int x[]`).
    Array {
        element: TypeId,
        count: Option<u64>,
    },
    /// An enumeration; its enumerators' names and values.
    Enum {
        signed: bool,
        enumerators: Vec<(String, i64)>,
    },
    /// A Rust enum (`Option`, `Result`, a user's enum) as rustc describes every one, tagged or with a niche
    /// (`DW_TAG_variant_part`): which variant a value holds is read from `discriminant` (`None`: one variant
    /// only), compared with each variant's value; a variant without one is the default. [`rust::active`] judges it.
    Variants {
        discriminant: Option<Member>,
        variants: Vec<Variant>,
    },
    /// A function type (what a function pointer points to).
    Function,
    /// Something rdb does not model (a pointer to member, an unspecified type): shown by name only.
    Other,
}

/// The kinds of base type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseKind {
    Signed,
    Unsigned,
    /// `char`, `signed char`, `unsigned char` (and `char8_t`): a number that is also a character.
    Char {
        signed: bool,
    },
    Bool,
    Float,
}

/// A data member of a record.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// Empty for an anonymous struct or union member.
    pub name: String,
    pub ty: TypeId,
    /// Byte offset from the start of the record.
    pub offset: u64,
    /// For a bitfield: its first bit (counted from the least significant bit of the byte at `offset`) and width.
    pub bits: Option<(u64, u64)>,
    /// Whether this is a base class (C++), named after its class; its members are the record's too.
    pub base: bool,
}

/// One variant of a [`TypeKind::Variants`]: its name (`Some`), the discriminant values that select it (none: the
/// default variant), and the record of its fields (`__0`, `radius`), at offsets from the start of the enum.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub name: String,
    pub values: Vec<u64>,
    pub fields: TypeId,
}

/// The language a piece of the program is written in (its compilation unit's), where it changes what rdb shows
/// or accepts: Rust's expressions (`s.field` through a reference, `t.0`) and Rust's way of writing values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    C,
    Cxx,
    Rust,
    Other,
}

/// Whether a variable is a function's parameter or a local.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariableKind {
    Parameter,
    Local,
}

/// Where a value lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueLocation {
    /// In memory, at this address.
    Memory(u64),
    /// In a register (its name, `rbx`).
    Register(String),
    /// In several places (`DW_OP_piece`): registers and memory.
    Pieces,
    /// Nowhere: computed by the debug information (`DW_OP_stack_value`, `DW_OP_implicit_value`, a constant).
    Computed,
    /// The compiler left no location for the current pc.
    OptimizedOut,
}

/// A value: its bytes (as many as its type's size), or why there are none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueBytes {
    Known(Vec<u8>),
    /// The compiler left no location at this pc, or the frame does not know a register it lives in.
    OptimizedOut,
    /// Its memory cannot be read (the address given).
    MemoryError(u64),
}

/// An object of the program: its type, its bytes, and its address where it has one in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub ty: Type,
    /// The debug information's name for `ty`, where the value has one (a pointer to it is made from this).
    pub type_id: Option<TypeId>,
    pub bytes: ValueBytes,
    /// Where the object is in memory; `None` for a value in a register, computed, or gone.
    pub address: Option<u64>,
}

/// A named variable in a frame: a parameter or a local in scope at the frame's pc.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    pub name: String,
    pub kind: VariableKind,
    pub location: ValueLocation,
    pub value: Value,
    /// What the value shows as on one line (a number, a pointer with its string, a record's type).
    pub summary: Summary,
}

/// One child of a value: a member of a record, an element of an array, what a pointer points to.
#[derive(Debug, Clone, PartialEq)]
pub struct Child {
    /// `x` for a member, `[3]` for an element, `*p` for a pointer's target.
    pub name: String,
    /// For a member: its byte offset in the record and, for a bitfield, its first bit and width.
    pub offset: Option<u64>,
    pub bits: Option<(u64, u64)>,
    pub value: Value,
    pub summary: Summary,
    /// What the child is to its parent.
    pub kind: ChildKind,
}

/// What a child is to its parent: front ends show each kind its own way (WinDbg's `[Base class]`, DAP's indexed and
/// named variables, Python's list or dict).
#[derive(Debug, Clone, PartialEq)]
pub enum ChildKind {
    /// A data member of a record.
    Member,
    /// A base class of a C++ record, its members the record's own.
    Base,
    /// An element of an array or a container, at this index.
    Element(u64),
    /// An entry of a map: the child's value is the mapped value, `key` its key.
    Entry { key: Box<Value> },
    /// What a pointer points to.
    Pointee,
    /// A visualizer's named child (`[strong]`, `[capacity]`).
    Item,
}

/// How a value's children are counted, for a front end that pages through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expansion {
    /// The children there are (after any cap); 0: nothing to expand.
    pub count: u64,
    /// Whether they are elements (`[0]`, `[1]` …): DAP's indexed variables, Python's list.
    pub indexed: bool,
    /// Whether they are a map's entries (`["key"]`): Python's dict, also when there are none.
    pub entries: bool,
    /// A container's own length where it claimed more than [`MAX_CONTAINER`] (a corrupt one): only `count`
    /// are shown.
    pub claimed: Option<u64>,
}

/// The most elements of one container rdb shows (a corrupt length of 2^60 is capped to this, with a note).
pub const MAX_CONTAINER: u64 = 1 << 24;
