//! Builtin functions: the universe (`len`, `close`, `and`, `or`, `div`, `mod`, `quo`,
//! `rem`) and the standard-library packages, one module per package. A package module
//! registers its functions with [`Registry::add`]; the compiler resolves `pkg.Name` to a
//! [`BuiltinId`] at compile time.
//!
//! Most library functions are pure functions of concrete [`Data`]: they receive their
//! arguments fully evaluated and return data or an error message. A function registered
//! as a validator may also be used with its first argument left out
//! (`strings.MinRunes(3)`), which makes it a constraint checked once the value is
//! concrete.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use crate::data::Data;

mod base64;
mod bits;
mod crypto;
mod csv;
mod gofloat;
mod hex;
mod html;
mod json;
mod list;
mod math;
mod net;
mod path;
pub(crate) mod regexp;
mod strconv;
mod strings;
mod structs;
mod time;
mod time_layout;
mod unicode;
mod uuid;
mod yaml;

pub use yaml::YamlError;

/// The largest string, bytes or list a library function builds (in bytes or elements);
/// past it the function fails instead of exhausting memory.
pub const MAX_RESULT: usize = 1 << 28;

/// A decimal result as current CUE converts it (`internal/core/convert`): an integral
/// value becomes an `int` (`3.0` becomes `3`), anything else a `float`.
pub fn decimal_result(n: crate::number::Num) -> crate::number::Num {
    use crate::number::NumKind;
    if n.is_integral() {
        if let Some(i) = n.to_bigint() {
            return crate::number::Num::from_bigint(i);
        }
    }
    n.with_kind(NumKind::Float)
}

/// A Go `%q`-style quoted string, for error messages.
pub(crate) fn json_quote(s: &str) -> String {
    let mut out = String::new();
    json::quote(&mut out, s, false);
    out
}

/// YAML text of concrete data (for [`crate::encode::to_yaml`]).
pub fn yaml_emit(data: &Data) -> String {
    yaml::emit(data)
}

/// YAML text as `sigs.k8s.io/yaml` writes it (for [`crate::encode::to_yaml_kubernetes`]).
pub fn yaml_emit_kubernetes(data: &Data) -> String {
    yaml::emit_kubernetes(data)
}

/// Every document of a YAML stream, decoded as CUE decodes YAML.
pub fn yaml_documents(text: &str) -> Result<Vec<Data>, YamlError> {
    yaml::unmarshal_docs(text)
}

/// Writes an ASCII byte as Go's `strconv.Quote` would inside its quotes.
pub(crate) fn strconv_quote_byte(out: &mut String, c: u8) {
    strconv::escape_char(out, c as char);
}

/// Fails when a result would be larger than [`MAX_RESULT`].
pub fn check_size(len: usize) -> Result<(), String> {
    if len > MAX_RESULT {
        Err(format!("result too large ({len} > {MAX_RESULT})"))
    } else {
        Ok(())
    }
}

/// Index of a builtin in the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BuiltinId(pub u16);

/// Universe builtins that need the evaluator (they look at non-concrete values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Universe {
    Len,
    Close,
    And,
    Or,
    Div,
    Mod,
    Quo,
    Rem,
}

/// The result of a library function: data, or an error message.
pub type BuiltinResult = Result<Data, String>;

#[derive(Clone, Copy)]
pub enum Func {
    Universe(Universe),
    /// A function of concrete arguments.
    Data(fn(&[Data]) -> BuiltinResult),
    /// A constant (`math.Pi`).
    Const(fn() -> Data),
    /// A function some of whose arguments are values, not data (schemas, comparators):
    /// the evaluator passes those as [`Arg::Value`] and answers questions about them
    /// through [`Host`]. Used as a validator, every argument is data.
    Host(HostFn),
}

/// A function of values: see [`Func::Host`].
pub type HostFn = fn(&mut dyn Host, &[Arg]) -> BuiltinResult;

/// An argument of a [`Func::Host`] function.
#[derive(Clone)]
pub enum Arg {
    /// A concrete argument.
    Data(Data),
    /// An argument passed as a value (it need not be concrete).
    Value(ValueRef),
}

/// A value argument, valid during one call.
#[derive(Clone, Copy, Debug)]
pub struct ValueRef(pub(crate) crate::eval::VId);

/// What a [`Func::Host`] function may ask the evaluator about its value arguments.
pub trait Host {
    /// The value unified with `data`, then its field `field` as concrete data
    /// (`less` of a comparator unified with `{x: a, y: b}`).
    fn unify_field(&mut self, value: ValueRef, data: Data, field: &str) -> BuiltinResult;
    /// Whether the value is a struct with a field `field` (of any kind).
    fn has_field(&mut self, value: ValueRef, field: &str) -> bool;
    /// The value as concrete data, if it is concrete.
    fn data(&mut self, value: ValueRef) -> Option<Data>;
    /// Unifies `data` with the value and reports the first error; with `concrete`,
    /// also a value that is not concrete.
    fn check(&mut self, value: ValueRef, data: Data, concrete: bool) -> Result<(), String>;
}

impl Arg {
    /// The argument as data: concrete arguments only.
    pub fn as_data(&self) -> Option<&Data> {
        match self {
            Arg::Data(d) => Some(d),
            Arg::Value(_) => None,
        }
    }
}

/// Argument `i` of a host function, which must be data.
pub(crate) fn arg_data(a: &[Arg], i: usize) -> Result<&[Data], String> {
    match a.get(i) {
        Some(Arg::Data(d)) => Ok(std::slice::from_ref(d)),
        _ => Err(format!("missing argument {}", i + 1)),
    }
}

/// Argument `i` of a host function, which must be passed as a value.
pub(crate) fn arg_value(a: &[Arg], i: usize) -> Result<ValueRef, String> {
    match a.get(i) {
        Some(Arg::Value(v)) => Ok(*v),
        Some(Arg::Data(_)) => Err(format!(
            "argument {} must be passed in a call (not to a validator)",
            i + 1
        )),
        None => Err(format!("missing argument {}", i + 1)),
    }
}

pub struct Builtin {
    /// Import path (`strings`, `encoding/json`), empty for the universe.
    pub pkg: &'static str,
    pub name: &'static str,
    /// Number of parameters; for variadic functions, the minimum.
    pub params: usize,
    pub variadic: bool,
    /// May be used as a validator with its first argument left out.
    pub validator: bool,
    /// For [`Func::Host`]: bit `i` set when argument `i` is passed as a value.
    pub value_args: u8,
    pub func: Func,
}

/// Collects builtins at start-up.
#[derive(Default)]
pub struct Registry {
    builtins: Vec<Builtin>,
}

impl Registry {
    pub fn add(
        &mut self,
        pkg: &'static str,
        name: &'static str,
        params: usize,
        func: fn(&[Data]) -> BuiltinResult,
    ) {
        self.builtins.push(Builtin {
            pkg,
            name,
            params,
            variadic: false,
            validator: false,
            value_args: 0,
            func: Func::Data(func),
        });
    }

    pub fn add_variadic(
        &mut self,
        pkg: &'static str,
        name: &'static str,
        min: usize,
        func: fn(&[Data]) -> BuiltinResult,
    ) {
        self.builtins.push(Builtin {
            pkg,
            name,
            params: min,
            variadic: true,
            validator: false,
            value_args: 0,
            func: Func::Data(func),
        });
    }

    /// A function that can also be used as a validator `pkg.Name(args…)`: it is called with
    /// the value first and must return a bool.
    pub fn add_validator(
        &mut self,
        pkg: &'static str,
        name: &'static str,
        params: usize,
        func: fn(&[Data]) -> BuiltinResult,
    ) {
        self.builtins.push(Builtin {
            pkg,
            name,
            params,
            variadic: false,
            validator: true,
            value_args: 0,
            func: Func::Data(func),
        });
    }

    /// A function whose arguments in `value_args` (a bit per argument) are passed as
    /// values; with `validator`, it may also be used as a validator (then all its
    /// arguments are data).
    pub fn add_host(
        &mut self,
        pkg: &'static str,
        name: &'static str,
        params: usize,
        value_args: u8,
        validator: bool,
        func: HostFn,
    ) {
        self.builtins.push(Builtin {
            pkg,
            name,
            params,
            variadic: false,
            validator,
            value_args,
            func: Func::Host(func),
        });
    }

    pub fn add_const(&mut self, pkg: &'static str, name: &'static str, value: fn() -> Data) {
        self.builtins.push(Builtin {
            pkg,
            name,
            params: 0,
            variadic: false,
            validator: false,
            value_args: 0,
            func: Func::Const(value),
        });
    }

    fn add_universe(&mut self, name: &'static str, params: usize, variadic: bool, u: Universe) {
        self.builtins.push(Builtin {
            pkg: "",
            name,
            params,
            variadic,
            validator: false,
            value_args: 0,
            func: Func::Universe(u),
        });
    }
}

struct Tables {
    builtins: Vec<Builtin>,
    by_name: FxHashMap<(&'static str, &'static str), BuiltinId>,
    packages: FxHashMap<&'static str, ()>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut r = Registry::default();
        r.add_universe("len", 1, false, Universe::Len);
        r.add_universe("close", 1, false, Universe::Close);
        r.add_universe("and", 1, false, Universe::And);
        r.add_universe("or", 1, false, Universe::Or);
        r.add_universe("div", 2, false, Universe::Div);
        r.add_universe("mod", 2, false, Universe::Mod);
        r.add_universe("quo", 2, false, Universe::Quo);
        r.add_universe("rem", 2, false, Universe::Rem);
        strings::register(&mut r);
        strconv::register(&mut r);
        list::register(&mut r);
        structs::register(&mut r);
        math::register(&mut r);
        regexp::register(&mut r);
        json::register(&mut r);
        yaml::register(&mut r);
        base64::register(&mut r);
        hex::register(&mut r);
        path::register(&mut r);
        net::register(&mut r);
        time::register(&mut r);
        crypto::register(&mut r);
        html::register(&mut r);
        uuid::register(&mut r);
        bits::register(&mut r);
        csv::register(&mut r);
        let mut by_name = FxHashMap::default();
        let mut packages = FxHashMap::default();
        for (i, b) in r.builtins.iter().enumerate() {
            by_name.insert((b.pkg, b.name), BuiltinId(i as u16));
            if !b.pkg.is_empty() {
                packages.insert(b.pkg, ());
            }
        }
        Tables {
            builtins: r.builtins,
            by_name,
            packages,
        }
    })
}

pub fn get(id: BuiltinId) -> &'static Builtin {
    &tables().builtins[id.0 as usize]
}

/// A member of a package (`""` for the universe).
pub fn lookup(pkg: &str, name: &str) -> Option<BuiltinId> {
    tables().by_name.get(&(pkg, name)).copied()
}

/// What kind of package an import path names.
pub enum PackageKind {
    Builtin(&'static str),
}

pub fn package(path: &str) -> Option<PackageKind> {
    tables()
        .packages
        .get_key_value(path)
        .map(|(k, _)| PackageKind::Builtin(k))
}

/// All members of a standard-library package, for completion.
pub fn members(pkg: &str) -> Vec<&'static Builtin> {
    tables().builtins.iter().filter(|b| b.pkg == pkg).collect()
}

/// Helpers for argument checking in library functions.
pub mod args {
    use std::rc::Rc;

    use crate::data::Data;
    use crate::number::Num;

    pub fn str(args: &[Data], i: usize) -> Result<&str, String> {
        match args.get(i) {
            Some(Data::Str(s)) => Ok(s),
            Some(other) => Err(format!(
                "cannot use {} (type {}) as string in argument {}",
                describe(other),
                other.kind_name(),
                i + 1
            )),
            None => Err(format!("missing argument {}", i + 1)),
        }
    }

    pub fn bytes_or_str(args: &[Data], i: usize) -> Result<Vec<u8>, String> {
        match args.get(i) {
            Some(Data::Str(s)) => Ok(s.as_bytes().to_vec()),
            Some(Data::Bytes(b)) => Ok(b.to_vec()),
            Some(other) => Err(format!(
                "cannot use {} (type {}) as bytes in argument {}",
                describe(other),
                other.kind_name(),
                i + 1
            )),
            None => Err(format!("missing argument {}", i + 1)),
        }
    }

    pub fn num(args: &[Data], i: usize) -> Result<&Num, String> {
        match args.get(i) {
            Some(Data::Num(n)) => Ok(n),
            Some(other) => Err(format!(
                "cannot use {} (type {}) as number in argument {}",
                describe(other),
                other.kind_name(),
                i + 1
            )),
            None => Err(format!("missing argument {}", i + 1)),
        }
    }

    pub fn int(args: &[Data], i: usize) -> Result<i64, String> {
        let n = num(args, i)?;
        if !n.is_int() {
            return Err(format!(
                "cannot use {n} (type float) as int in argument {}",
                i + 1
            ));
        }
        n.to_i64()
            .ok_or_else(|| format!("argument {} out of range: {n}", i + 1))
    }

    /// An `int` argument of any size.
    pub fn bigint(args: &[Data], i: usize) -> Result<num_bigint::BigInt, String> {
        let n = num(args, i)?;
        match n.to_bigint() {
            Some(b) if n.is_int() => Ok(b),
            _ => Err(format!(
                "cannot use {n} (type float) as int in argument {}",
                i + 1
            )),
        }
    }

    pub fn bool(args: &[Data], i: usize) -> Result<bool, String> {
        match args.get(i) {
            Some(Data::Bool(b)) => Ok(*b),
            Some(other) => Err(format!(
                "cannot use {} (type {}) as bool in argument {}",
                describe(other),
                other.kind_name(),
                i + 1
            )),
            None => Err(format!("missing argument {}", i + 1)),
        }
    }

    pub fn list(args: &[Data], i: usize) -> Result<&[Data], String> {
        match args.get(i) {
            Some(Data::List(l)) => Ok(l),
            Some(other) => Err(format!(
                "cannot use {} (type {}) as list in argument {}",
                describe(other),
                other.kind_name(),
                i + 1
            )),
            None => Err(format!("missing argument {}", i + 1)),
        }
    }

    pub fn strings(args: &[Data], i: usize) -> Result<Vec<Rc<str>>, String> {
        list(args, i)?
            .iter()
            .map(|d| match d {
                Data::Str(s) => Ok(s.clone()),
                other => Err(format!(
                    "cannot use {} (type {}) as string in list argument {}",
                    describe(other),
                    other.kind_name(),
                    i + 1
                )),
            })
            .collect()
    }

    /// A short rendering of a value for messages.
    pub fn describe(d: &Data) -> String {
        match d {
            Data::Str(s) => crate::value::quote_string(s),
            Data::Num(n) => n.to_string(),
            Data::Bool(b) => b.to_string(),
            Data::Null => "null".to_owned(),
            Data::Bytes(b) => crate::value::quote_bytes(b),
            Data::List(_) => "[...]".to_owned(),
            Data::Struct(_) => "{...}".to_owned(),
        }
    }
}
