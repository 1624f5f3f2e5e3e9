//! The engine's plain values (`rdb_engine::values::Native`, decided in the engine) as Python values: int, float,
//! bool, str, list, tuple (a Rust tuple), dict (a map's entries; a key Python cannot hash is given as its text),
//! and `rdb.Struct` objects whose attributes are a record's fields (a Rust enum's: its variant's, and `variant`
//! its name); `None` for a value there is none of (optimised out, unreadable).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use rdb_engine::values::Native;

use crate::objects::Struct;

pub(crate) fn to_python(py: Python<'_>, value: &Native) -> PyResult<Py<PyAny>> {
    Ok(match value {
        Native::Signed(v) | Native::Char(v) => v.into_pyobject(py)?.into_any().unbind(),
        Native::Unsigned(v) | Native::Pointer(v) => v.into_pyobject(py)?.into_any().unbind(),
        Native::Bool(v) => v.into_pyobject(py)?.to_owned().into_any().unbind(),
        Native::Float(v) => v.into_pyobject(py)?.into_any().unbind(),
        Native::Str(s) => s.into_pyobject(py)?.into_any().unbind(),
        Native::Enum { value, .. } => value.into_pyobject(py)?.into_any().unbind(),
        Native::List(items) => {
            let items = items.iter().map(|v| to_python(py, v)).collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any().unbind()
        }
        Native::Map(entries) => {
            let dict = PyDict::new(py);
            for (key, value) in entries {
                let key = to_python(py, key)?;
                let key = match key.bind(py).hash() {
                    Ok(_) => key,
                    Err(_) => key.bind(py).str()?.into_any().unbind(),
                };
                dict.set_item(key, to_python(py, value)?)?;
            }
            dict.into_any().unbind()
        }
        Native::Tuple(items) => {
            let items = items.iter().map(|v| to_python(py, v)).collect::<PyResult<Vec<_>>>()?;
            PyTuple::new(py, items)?.into_any().unbind()
        }
        Native::Record { type_name, fields, variant } => {
            let dict = PyDict::new(py);
            for (name, field) in fields {
                dict.set_item(name, to_python(py, field)?)?;
            }
            let value = Struct { type_name: type_name.clone(), fields: dict.unbind(), variant: variant.clone() };
            Py::new(py, value)?.into_any()
        }
        Native::Unavailable(_) => py.None(),
    })
}
