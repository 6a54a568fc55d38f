//! `successCondition` / `failureCondition`: Argo Rollouts evaluates them with expr-lang
//! (utils/evaluate/evaluate.go `EvalCondition`, with `result` bound to the provider's value
//! and the helper functions `isNaN`, `isInf`, `asInt`, `asFloat`). kubesim understands the
//! subset Argo's documentation uses: numbers, `true`/`false`, `result`, `result[N]`,
//! `len(result)`, `isNaN(x)`, `isInf(x)`, `asFloat(x)`, `+ - * /`, comparisons
//! (`< <= > >= == !=`), `&&` / `and`, `||` / `or`, `!` / `not`, and parentheses. Anything else
//! is refused at load.

/// What kubesim understands, for messages.
pub const SUBSET: &str = "kubesim understands numbers, true, false, result, result[N], len(result), isNaN(x), isInf(x), asFloat(x), + - * /, < <= > >= == !=, && (and), || (or), ! (not) and parentheses";

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Num(f64),
    Bool(bool),
    Result,
    Index(Box<Expr>, Box<Expr>),
    Call(Func, Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(Op, Box<Expr>, Box<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    Len,
    IsNaN,
    IsInf,
    AsFloat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
}

/// A value: a number, a truth, or the provider's vector.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Num(f64),
    Bool(bool),
    List(Vec<f64>),
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Sym(&'static str),
}

fn tokens(text: &str) -> Result<Vec<Tok>, String> {
    const SYMS: [&str; 17] =
        ["<=", ">=", "==", "!=", "&&", "||", "<", ">", "!", "(", ")", "[", "]", "+", "-", "*", "/"];
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i] as char;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || (c == '.' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let start = i;
            while i < b.len() && ((b[i] as char).is_ascii_digit() || b[i] == b'.' || b[i] == b'e' || b[i] == b'E') {
                i += 1;
            }
            let n = text[start..i].parse::<f64>().map_err(|_| format!("`{}` is not a number", &text[start..i]))?;
            out.push(Tok::Num(n));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < b.len() && ((b[i] as char).is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Ident(text[start..i].to_string()));
        } else if let Some(s) = SYMS.iter().find(|s| text[i..].starts_with(**s)) {
            out.push(Tok::Sym(s));
            i += s.len();
        } else {
            return Err(format!("`{}` is not understood: {SUBSET}", &text[i..]));
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn eat(&mut self, sym: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Sym(s)) if *s == sym)
            || matches!(self.peek(), Some(Tok::Ident(w)) if w == sym)
        {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, sym: &str) -> Result<(), String> {
        if self.eat(sym) {
            Ok(())
        } else {
            Err(format!("expected `{sym}`"))
        }
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut e = self.and()?;
        while self.eat("||") || self.eat("or") {
            e = Expr::Binary(Op::Or, Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut e = self.compare()?;
        while self.eat("&&") || self.eat("and") {
            e = Expr::Binary(Op::And, Box::new(e), Box::new(self.compare()?));
        }
        Ok(e)
    }

    fn compare(&mut self) -> Result<Expr, String> {
        let e = self.sum()?;
        let ops = [("<=", Op::Le), (">=", Op::Ge), ("==", Op::Eq), ("!=", Op::Ne), ("<", Op::Lt), (">", Op::Gt)];
        for (s, op) in ops {
            if self.eat(s) {
                return Ok(Expr::Binary(op, Box::new(e), Box::new(self.sum()?)));
            }
        }
        Ok(e)
    }

    fn sum(&mut self) -> Result<Expr, String> {
        let mut e = self.product()?;
        loop {
            let op = if self.eat("+") {
                Op::Add
            } else if self.eat("-") {
                Op::Sub
            } else {
                return Ok(e);
            };
            e = Expr::Binary(op, Box::new(e), Box::new(self.product()?));
        }
    }

    fn product(&mut self) -> Result<Expr, String> {
        let mut e = self.unary()?;
        loop {
            let op = if self.eat("*") {
                Op::Mul
            } else if self.eat("/") {
                Op::Div
            } else {
                return Ok(e);
            };
            e = Expr::Binary(op, Box::new(e), Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.eat("!") || self.eat("not") {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.eat("-") {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        let mut e = self.primary()?;
        while self.eat("[") {
            let index = self.or()?;
            self.expect("]")?;
            e = Expr::Index(Box::new(e), Box::new(index));
        }
        Ok(e)
    }

    fn primary(&mut self) -> Result<Expr, String> {
        let tok = self.peek().cloned().ok_or_else(|| "the expression ends too soon".to_string())?;
        self.at += 1;
        match tok {
            Tok::Num(n) => Ok(Expr::Num(n)),
            Tok::Sym("(") => {
                let e = self.or()?;
                self.expect(")")?;
                Ok(e)
            }
            Tok::Ident(w) => match w.as_str() {
                "result" => Ok(Expr::Result),
                "true" => Ok(Expr::Bool(true)),
                "false" => Ok(Expr::Bool(false)),
                "len" | "isNaN" | "isInf" | "asFloat" => {
                    let f = match w.as_str() {
                        "len" => Func::Len,
                        "isNaN" => Func::IsNaN,
                        "isInf" => Func::IsInf,
                        _ => Func::AsFloat,
                    };
                    self.expect("(")?;
                    let arg = self.or()?;
                    self.expect(")")?;
                    Ok(Expr::Call(f, Box::new(arg)))
                }
                other => Err(format!("`{other}` is not understood: {SUBSET}")),
            },
            Tok::Sym(s) => Err(format!("`{s}` is out of place")),
        }
    }
}

/// Parses a condition, or says what is not understood.
pub fn parse(text: &str) -> Result<Expr, String> {
    let mut p = Parser { toks: tokens(text)?, at: 0 };
    let e = p.or()?;
    match p.peek() {
        None => Ok(e),
        Some(t) => Err(format!("unexpected {t:?} after the expression: {SUBSET}")),
    }
}

fn num(v: Value) -> Result<f64, String> {
    match v {
        Value::Num(n) => Ok(n),
        other => Err(format!("expected a number, got {other:?}")),
    }
}

fn truth(v: Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(b),
        other => Err(format!("expected a bool, got {other:?}")),
    }
}

/// Evaluates a condition with `result` bound; an error is the measurement's Error (as
/// expr-lang's runtime errors are: an index out of range, a type mismatch).
pub fn eval(e: &Expr, result: &[f64]) -> Result<Value, String> {
    Ok(match e {
        Expr::Num(n) => Value::Num(*n),
        Expr::Bool(b) => Value::Bool(*b),
        Expr::Result => Value::List(result.to_vec()),
        Expr::Index(list, index) => {
            let (list, index) = (eval(list, result)?, num(eval(index, result)?)?);
            let Value::List(items) = list else { return Err("only result can be indexed".into()) };
            let i = index as i64;
            let at = if i < 0 { items.len() as i64 + i } else { i };
            match usize::try_from(at).ok().and_then(|a| items.get(a)) {
                Some(v) => Value::Num(*v),
                None => return Err(format!("index out of range: {i} (array length is {})", items.len())),
            }
        }
        Expr::Call(f, arg) => {
            let v = eval(arg, result)?;
            match (f, v) {
                (Func::Len, Value::List(items)) => Value::Num(items.len() as f64),
                (Func::Len, other) => return Err(format!("invalid argument for len (type {other:?})")),
                (Func::IsNaN, v) => Value::Bool(num(v)?.is_nan()),
                (Func::IsInf, v) => Value::Bool(num(v)?.is_infinite()),
                (Func::AsFloat, v) => Value::Num(num(v)?),
            }
        }
        Expr::Not(x) => Value::Bool(!truth(eval(x, result)?)?),
        Expr::Neg(x) => Value::Num(-num(eval(x, result)?)?),
        Expr::Binary(op, a, b) => {
            if matches!(op, Op::And | Op::Or) {
                let a = truth(eval(a, result)?)?;
                return Ok(Value::Bool(match op {
                    Op::And => a && truth(eval(b, result)?)?,
                    _ => a || truth(eval(b, result)?)?,
                }));
            }
            let (a, b) = (eval(a, result)?, eval(b, result)?);
            if let (Op::Eq | Op::Ne, Value::Bool(x), Value::Bool(y)) = (op, &a, &b) {
                return Ok(Value::Bool((x == y) == (*op == Op::Eq)));
            }
            let (x, y) = (num(a)?, num(b)?);
            match op {
                Op::Add => Value::Num(x + y),
                Op::Sub => Value::Num(x - y),
                Op::Mul => Value::Num(x * y),
                Op::Div => Value::Num(x / y),
                Op::Lt => Value::Bool(x < y),
                Op::Le => Value::Bool(x <= y),
                Op::Gt => Value::Bool(x > y),
                Op::Ge => Value::Bool(x >= y),
                Op::Eq => Value::Bool(x == y),
                Op::Ne => Value::Bool(x != y),
                Op::And | Op::Or => Value::Bool(false),
            }
        }
    })
}

/// `EvalCondition`: the condition must give a bool.
pub fn condition(text: &str, result: &[f64]) -> Result<bool, String> {
    match eval(&parse(text)?, result)? {
        Value::Bool(b) => Ok(b),
        other => Err(format!("expected bool, but got {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_conditions_evaluate() {
        assert_eq!(condition("result[0] >= 0.95", &[0.97]), Ok(true));
        assert_eq!(condition("result[0] >= 0.95", &[0.94]), Ok(false));
        assert_eq!(condition("len(result) == 0 || result[0] >= 0.95", &[]), Ok(true));
        assert_eq!(condition("isNaN(result[0]) || result[0] < 0.01", &[f64::NAN]), Ok(true));
        assert_eq!(condition("result[0] * 100 > 99 and not (result[0] > 1)", &[0.995]), Ok(true));
        // NaN compares false, as in Go.
        assert_eq!(condition("result[0] >= 0.99", &[f64::NAN]), Ok(false));
    }

    #[test]
    fn errors_at_evaluation_and_refusals_at_parsing() {
        assert!(condition("result[0] >= 0.95", &[]).unwrap_err().contains("index out of range"));
        assert!(condition("result >= 0.95", &[1.0]).is_err());
        for bad in ["result[0] in [1, 2]", "asInt(result[0]) > 1", "result[0] >= 0.9 ?: 1", "matches(x)"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
