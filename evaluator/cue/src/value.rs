//! Scalar values and constraints on them: kinds, concrete scalars, bounds and validators,
//! and their unification ("atoms"). Structs and lists live in the vertex graph
//! ([`crate::eval`]); everything a scalar field can hold is an [`Atom`].

use std::cmp::Ordering;
use std::fmt::{self, Write};
use std::rc::Rc;

use crate::number::{Num, NumKind};

/// A set of value kinds, as a bit set.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Kinds(pub u16);

impl Kinds {
    pub const NONE: Kinds = Kinds(0);
    pub const NULL: Kinds = Kinds(1);
    pub const BOOL: Kinds = Kinds(2);
    pub const INT: Kinds = Kinds(4);
    pub const FLOAT: Kinds = Kinds(8);
    pub const STRING: Kinds = Kinds(16);
    pub const BYTES: Kinds = Kinds(32);
    pub const STRUCT: Kinds = Kinds(64);
    pub const LIST: Kinds = Kinds(128);
    pub const NUMBER: Kinds = Kinds(4 | 8);
    pub const SCALAR: Kinds = Kinds(1 | 2 | 4 | 8 | 16 | 32);
    pub const ALL: Kinds = Kinds(255);

    pub fn and(self, other: Kinds) -> Kinds {
        Kinds(self.0 & other.0)
    }

    pub fn or(self, other: Kinds) -> Kinds {
        Kinds(self.0 | other.0)
    }

    pub fn contains(self, other: Kinds) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn intersects(self, other: Kinds) -> bool {
        self.0 & other.0 != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The kind of a single value.
    pub fn of(scalar: &Scalar) -> Kinds {
        match scalar {
            Scalar::Null => Kinds::NULL,
            Scalar::Bool(_) => Kinds::BOOL,
            Scalar::Num(n) if n.is_int() => Kinds::INT,
            Scalar::Num(_) => Kinds::FLOAT,
            Scalar::Str(_) => Kinds::STRING,
            Scalar::Bytes(_) => Kinds::BYTES,
        }
    }
}

impl fmt::Debug for Kinds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for Kinds {
    /// CUE's names: `int`, `number`, `string|bytes`, `_` for all.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Kinds::ALL {
            return f.write_str("_");
        }
        if self.is_empty() {
            return f.write_str("_|_");
        }
        let mut names = Vec::new();
        let mut k = *self;
        if k.contains(Kinds::NUMBER) {
            names.push("number");
            k = Kinds(k.0 & !Kinds::NUMBER.0);
        }
        for (bit, name) in [
            (Kinds::NULL, "null"),
            (Kinds::BOOL, "bool"),
            (Kinds::INT, "int"),
            (Kinds::FLOAT, "float"),
            (Kinds::STRING, "string"),
            (Kinds::BYTES, "bytes"),
            (Kinds::STRUCT, "struct"),
            (Kinds::LIST, "list"),
        ] {
            if k.contains(bit) {
                names.push(name);
            }
        }
        f.write_str(&names.join("|"))
    }
}

/// A concrete scalar.
#[derive(Clone, Debug)]
pub enum Scalar {
    Null,
    Bool(bool),
    Num(Num),
    Str(Rc<str>),
    Bytes(Rc<[u8]>),
}

impl Scalar {
    pub fn kind_name(&self) -> &'static str {
        match self {
            Scalar::Null => "null",
            Scalar::Bool(_) => "bool",
            Scalar::Num(n) if n.is_int() => "int",
            Scalar::Num(_) => "float",
            Scalar::Str(_) => "string",
            Scalar::Bytes(_) => "bytes",
        }
    }

    /// Equality as unification sees it: same kind and same value.
    pub fn same(&self, other: &Scalar) -> bool {
        match (self, other) {
            (Scalar::Null, Scalar::Null) => true,
            (Scalar::Bool(a), Scalar::Bool(b)) => a == b,
            (Scalar::Num(a), Scalar::Num(b)) => {
                a.kind == b.kind && a.cmp_value(b) == Ordering::Equal
            }
            (Scalar::Str(a), Scalar::Str(b)) => a == b,
            (Scalar::Bytes(a), Scalar::Bytes(b)) => a == b,
            _ => false,
        }
    }

    /// Ordering for `<` and friends, when the kinds are comparable.
    pub fn compare(&self, other: &Scalar) -> Option<Ordering> {
        match (self, other) {
            (Scalar::Num(a), Scalar::Num(b)) => Some(a.cmp_value(b)),
            (Scalar::Str(a), Scalar::Str(b)) => Some(a.cmp(b)),
            (Scalar::Bytes(a), Scalar::Bytes(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    /// `==` across kinds: numbers compare by value (`1 == 1.0`).
    pub fn equals(&self, other: &Scalar) -> bool {
        match (self, other) {
            (Scalar::Num(a), Scalar::Num(b)) => a.cmp_value(b) == Ordering::Equal,
            _ => self.same(other),
        }
    }
}

impl fmt::Display for Scalar {
    /// CUE syntax for the value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Null => f.write_str("null"),
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Num(n) => write!(f, "{n}"),
            Scalar::Str(s) => f.write_str(&quote_string(s)),
            Scalar::Bytes(b) => f.write_str(&quote_bytes(b)),
        }
    }
}

/// A CUE double-quoted string literal for `s`.
pub fn quote_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A CUE single-quoted bytes literal for `b`.
pub fn quote_bytes(b: &[u8]) -> String {
    let mut out = String::from("'");
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\'' => out.push_str("\\'"),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(out, "\\x{:02x}", c as u32);
                }
                c => out.push(c),
            }
        }
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    out.push('\'');
    out
}

/// The operator of a bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BoundOp {
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    NotEqual,
    /// `==x` (a bound that only admits x).
    Equal,
    Match,
    NotMatch,
}

impl BoundOp {
    pub fn token(self) -> &'static str {
        match self {
            BoundOp::Less => "<",
            BoundOp::LessEqual => "<=",
            BoundOp::Greater => ">",
            BoundOp::GreaterEqual => ">=",
            BoundOp::NotEqual => "!=",
            BoundOp::Equal => "==",
            BoundOp::Match => "=~",
            BoundOp::NotMatch => "!~",
        }
    }
}

/// A bound `op value`.
#[derive(Clone, Debug)]
pub struct Bound {
    pub op: BoundOp,
    pub value: Scalar,
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.op.token(), self.value)
    }
}

impl Bound {
    /// The kinds of values the bound can constrain.
    pub fn kinds(&self) -> Kinds {
        match self.op {
            BoundOp::Match | BoundOp::NotMatch => Kinds::STRING.or(Kinds::BYTES),
            BoundOp::NotEqual | BoundOp::Equal => Kinds::ALL,
            _ => match &self.value {
                Scalar::Num(_) => Kinds::NUMBER,
                Scalar::Str(_) => Kinds::STRING,
                Scalar::Bytes(_) => Kinds::BYTES,
                _ => Kinds::NONE,
            },
        }
    }
}

/// A validator: a builtin applied to the value once it is concrete (`strings.MinRunes(3)`).
#[derive(Clone, Debug)]
pub struct Validator {
    pub builtin: crate::builtins::BuiltinId,
    /// Arguments after the value itself, as concrete data.
    pub args: Rc<[crate::data::Data]>,
    /// Source text for messages, e.g. `strings.MinRunes(3)`.
    pub text: Rc<str>,
}

/// A conjunction of scalar constraints: allowed kinds, optionally a concrete value,
/// bounds and validators. `int & >=0` and `"x"` are atoms.
#[derive(Clone, Debug)]
pub struct Atom {
    pub kinds: Kinds,
    pub value: Option<Scalar>,
    pub bounds: Vec<Bound>,
    pub validators: Vec<Validator>,
}

/// Why two atoms do not unify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AtomConflict {
    /// Different kinds: `conflicting values 2 and "x" (mismatched types int and string)`.
    Types {
        left: String,
        right: String,
        left_kind: String,
        right_kind: String,
    },
    /// Same kind, different values.
    Values { left: String, right: String },
    /// A value outside a bound: `invalid value 11 (out of bound <10)`.
    OutOfBound { value: String, bound: String },
    /// Bounds that exclude each other: `incompatible bounds >5 and <3`.
    IncompatibleBounds { left: String, right: String },
}

impl fmt::Display for AtomConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AtomConflict::Types {
                left,
                right,
                left_kind,
                right_kind,
            } => {
                write!(
                    f,
                    "conflicting values {left} and {right} (mismatched types {left_kind} and {right_kind})"
                )
            }
            AtomConflict::Values { left, right } => {
                write!(f, "conflicting values {left} and {right}")
            }
            AtomConflict::OutOfBound { value, bound } => {
                write!(f, "invalid value {value} (out of bound {bound})")
            }
            AtomConflict::IncompatibleBounds { left, right } => {
                write!(f, "incompatible bounds {left} and {right}")
            }
        }
    }
}

impl Atom {
    pub fn top() -> Atom {
        Atom {
            kinds: Kinds::ALL,
            value: None,
            bounds: Vec::new(),
            validators: Vec::new(),
        }
    }

    pub fn kind(kinds: Kinds) -> Atom {
        Atom {
            kinds,
            ..Atom::top()
        }
    }

    pub fn concrete(value: Scalar) -> Atom {
        Atom {
            kinds: Kinds::of(&value),
            value: Some(value),
            bounds: Vec::new(),
            validators: Vec::new(),
        }
    }

    pub fn bound(op: BoundOp, value: Scalar) -> Atom {
        let bound = Bound { op, value };
        let mut atom = Atom::kind(bound.kinds());
        if op == BoundOp::Equal {
            // `==x` admits exactly x.
            atom.kinds = Kinds::ALL;
        }
        atom.bounds.push(bound);
        atom
    }

    pub fn is_concrete(&self) -> bool {
        self.value.is_some()
    }

    /// True when the atom is only a kind restriction with no other constraint.
    pub fn is_plain_kind(&self) -> bool {
        self.value.is_none() && self.bounds.is_empty() && self.validators.is_empty()
    }

    /// Unifies `other` into `self`. On conflict, `self` is unchanged.
    pub fn unify(&mut self, other: &Atom) -> Result<(), AtomConflict> {
        let kinds = self.kinds.and(other.kinds);
        if let (Some(a), Some(b)) = (&self.value, &other.value) {
            if !a.same(b) {
                return Err(if Kinds::of(a) != Kinds::of(b) {
                    AtomConflict::Types {
                        left: a.to_string(),
                        right: b.to_string(),
                        left_kind: a.kind_name().to_owned(),
                        right_kind: b.kind_name().to_owned(),
                    }
                } else {
                    AtomConflict::Values {
                        left: a.to_string(),
                        right: b.to_string(),
                    }
                });
            }
        }
        if kinds
            .and(Kinds::SCALAR.or(Kinds::STRUCT).or(Kinds::LIST))
            .is_empty()
        {
            return Err(AtomConflict::Types {
                left: self.describe(),
                right: other.describe(),
                left_kind: self.kinds.to_string(),
                right_kind: other.kinds.to_string(),
            });
        }
        let mut result = self.clone();
        result.kinds = kinds;
        if result.value.is_none() {
            result.value = other.value.clone();
        }
        for bound in &other.bounds {
            result.add_bound(bound.clone())?;
        }
        for v in &other.validators {
            if !result.validators.iter().any(|w| w.text == v.text) {
                result.validators.push(v.clone());
            }
        }
        if let Some(value) = &result.value {
            if !kinds.contains(Kinds::of(value)) {
                let (constraint, kind) = if self.value.is_some() {
                    (other, other.kinds)
                } else {
                    (&*self, self.kinds)
                };
                return Err(AtomConflict::Types {
                    left: constraint.describe(),
                    right: value.to_string(),
                    left_kind: kind.to_string(),
                    right_kind: value.kind_name().to_owned(),
                });
            }
            for bound in &result.bounds {
                if !bound_admits(bound, value) {
                    return Err(AtomConflict::OutOfBound {
                        value: value.to_string(),
                        bound: bound.to_string(),
                    });
                }
            }
            result.bounds.clear();
        }
        *self = result;
        Ok(())
    }

    fn add_bound(&mut self, bound: Bound) -> Result<(), AtomConflict> {
        self.kinds = self.kinds.and(if bound.op == BoundOp::Equal {
            Kinds::ALL
        } else {
            bound.kinds()
        });
        // Keep only the tightest numeric/string lower and upper bounds.
        let is_lower = matches!(bound.op, BoundOp::Greater | BoundOp::GreaterEqual);
        let is_upper = matches!(bound.op, BoundOp::Less | BoundOp::LessEqual);
        if is_lower || is_upper {
            for existing in self.bounds.iter_mut() {
                let same_side = if is_lower {
                    matches!(existing.op, BoundOp::Greater | BoundOp::GreaterEqual)
                } else {
                    matches!(existing.op, BoundOp::Less | BoundOp::LessEqual)
                };
                if !same_side {
                    continue;
                }
                if let Some(ord) = bound.value.compare(&existing.value) {
                    let tighter = match ord {
                        Ordering::Equal => matches!(bound.op, BoundOp::Greater | BoundOp::Less),
                        Ordering::Greater => is_lower,
                        Ordering::Less => is_upper,
                    };
                    if tighter {
                        *existing = bound.clone();
                    }
                    return self.check_bound_pair();
                }
            }
        } else if self
            .bounds
            .iter()
            .any(|b| b.op == bound.op && b.value.same(&bound.value))
        {
            return Ok(());
        }
        self.bounds.push(bound);
        self.check_bound_pair()
    }

    /// A lower bound above an upper bound admits nothing.
    fn check_bound_pair(&mut self) -> Result<(), AtomConflict> {
        let lower = self
            .bounds
            .iter()
            .find(|b| matches!(b.op, BoundOp::Greater | BoundOp::GreaterEqual));
        let upper = self
            .bounds
            .iter()
            .find(|b| matches!(b.op, BoundOp::Less | BoundOp::LessEqual));
        if let (Some(lo), Some(hi)) = (lower, upper) {
            if let Some(ord) = lo.value.compare(&hi.value) {
                let empty = match ord {
                    Ordering::Greater => true,
                    Ordering::Equal => {
                        !(lo.op == BoundOp::GreaterEqual && hi.op == BoundOp::LessEqual)
                    }
                    Ordering::Less => false,
                };
                if empty {
                    return Err(AtomConflict::IncompatibleBounds {
                        left: lo.to_string(),
                        right: hi.to_string(),
                    });
                }
                // `>=x & <=x` is exactly x (when x's kind is allowed).
                if ord == Ordering::Equal {
                    let value = lo.value.clone();
                    let value = match (&value, self.kinds.and(Kinds::SCALAR)) {
                        (Scalar::Num(n), k) if k == Kinds::INT && n.is_integral() => {
                            n.to_bigint().map(|i| Scalar::Num(Num::from_bigint(i)))
                        }
                        (v, k) if k.contains(Kinds::of(v)) => Some(v.clone()),
                        _ => None,
                    };
                    if let Some(v) = value {
                        self.kinds = self.kinds.and(Kinds::of(&v));
                        self.value = Some(v);
                        self.bounds.retain(|b| {
                            !matches!(
                                b.op,
                                BoundOp::Less
                                    | BoundOp::LessEqual
                                    | BoundOp::Greater
                                    | BoundOp::GreaterEqual
                            )
                        });
                        let value = self.value.clone().expect("set above");
                        if let Some(b) = self.bounds.iter().find(|b| !bound_admits(b, &value)) {
                            return Err(AtomConflict::OutOfBound {
                                value: value.to_string(),
                                bound: b.to_string(),
                            });
                        }
                        self.bounds.clear();
                    }
                }
            }
        }
        Ok(())
    }

    /// CUE syntax for the constraint: `int`, `>=0 & <10`, `"x"`.
    pub fn describe(&self) -> String {
        if let Some(v) = &self.value {
            return v.to_string();
        }
        let mut parts: Vec<String> = Vec::new();
        let bound_kinds = self.bounds.iter().fold(Kinds::ALL, |k, b| {
            if b.op == BoundOp::NotEqual || b.op == BoundOp::Equal {
                k
            } else {
                k.and(b.kinds())
            }
        });
        if self.kinds != bound_kinds || self.bounds.is_empty() {
            let scalar = self
                .kinds
                .and(Kinds::SCALAR.or(Kinds::STRUCT).or(Kinds::LIST));
            parts.push(if scalar == Kinds::ALL {
                "_".to_owned()
            } else {
                scalar.to_string()
            });
        }
        parts.extend(self.bounds.iter().map(|b| b.to_string()));
        parts.extend(self.validators.iter().map(|v| v.text.to_string()));
        parts.join(" & ")
    }
}

/// Whether a concrete value satisfies a bound. Regular-expression bounds are checked by the
/// evaluator (which caches compiled expressions); here they are assumed to hold.
pub fn bound_admits(bound: &Bound, value: &Scalar) -> bool {
    match bound.op {
        BoundOp::NotEqual => !value.equals(&bound.value),
        BoundOp::Equal => value.equals(&bound.value),
        BoundOp::Match | BoundOp::NotMatch => {
            let (Scalar::Str(pattern), text) = (&bound.value, value) else {
                return false;
            };
            let subject: std::borrow::Cow<'_, str> = match text {
                Scalar::Str(s) => std::borrow::Cow::Borrowed(&**s),
                Scalar::Bytes(b) => String::from_utf8_lossy(b),
                _ => return false,
            };
            let matched = crate::regex_cache::is_match(pattern, &subject).unwrap_or(false);
            matched == (bound.op == BoundOp::Match)
        }
        op => match value.compare(&bound.value) {
            Some(ord) => match op {
                BoundOp::Less => ord == Ordering::Less,
                BoundOp::LessEqual => ord != Ordering::Greater,
                BoundOp::Greater => ord == Ordering::Greater,
                BoundOp::GreaterEqual => ord != Ordering::Less,
                _ => unreachable!(),
            },
            None => false,
        },
    }
}

/// Numbers of a given kind for predeclared types.
pub fn num_kind_of(kinds: Kinds) -> Option<NumKind> {
    if kinds == Kinds::INT {
        Some(NumKind::Int)
    } else if kinds == Kinds::FLOAT {
        Some(NumKind::Float)
    } else {
        None
    }
}
