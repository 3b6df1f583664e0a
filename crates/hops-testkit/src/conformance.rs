//! Every API response a test receives is held to the OpenAPI document: its status must be
//! declared for its operation, its content type must be one the status declares, and its JSON
//! body must validate against the declared schema. The test app records each response on the
//! way out ([`Conformance::check`]) and a test fails when it ends with a violation.
//!
//! The validator knows the subset of JSON Schema the document uses (`$ref`, `type` with
//! `null`, `properties`, `required`, `additionalProperties`, `items`, `enum`, `anyOf`, `oneOf`,
//! `allOf`, `minimum`, `maximum`, `format` int32/int64/date/date-time): a keyword it does not
//! know is a violation too, so the document cannot drift into what is not checked.

use std::collections::BTreeSet;
use std::sync::Mutex;

use serde_json::Value;

/// The document and what the responses did against it.
pub struct Conformance {
    doc: Value,
    /// (method, path template segments, template).
    ops: Vec<(String, Vec<String>, String)>,
    violations: Mutex<Vec<String>>,
    checked: Mutex<BTreeSet<(String, String, u16)>>,
}

const KNOWN: &[&str] = &[
    "$ref",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "anyOf",
    "oneOf",
    "allOf",
    "minimum",
    "maximum",
    "format",
    "description",
    "title",
    "example",
    "examples",
    "default",
    "pattern",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "propertyNames",
];

impl Conformance {
    pub fn new(doc: Value) -> Conformance {
        let mut ops = Vec::new();
        if let Some(paths) = doc["paths"].as_object() {
            for (template, item) in paths {
                for method in item.as_object().into_iter().flat_map(|o| o.keys()) {
                    let segments = template.split('/').map(str::to_string).collect();
                    ops.push((method.to_uppercase(), segments, template.clone()));
                }
            }
        }
        Conformance { doc, ops, violations: Mutex::new(Vec::new()), checked: Mutex::new(BTreeSet::new()) }
    }

    /// The documented operation a request reaches: its path template (the one with the most
    /// literal segments, as the router prefers them).
    pub fn operation(&self, method: &str, path: &str) -> Option<&str> {
        let parts: Vec<&str> = path.split('/').collect();
        self.ops
            .iter()
            .filter(|(m, segs, _)| m == method && segs.len() == parts.len())
            .filter(|(_, segs, _)| segs.iter().zip(&parts).all(|(s, p)| s == p || (s.starts_with('{') && !p.is_empty())))
            .max_by_key(|(_, segs, _)| segs.iter().filter(|s| !s.starts_with('{')).count())
            .map(|(_, _, t)| t.as_str())
    }

    /// Checks one response; a violation is remembered (see [`Conformance::violations`]) and
    /// returned.
    pub fn check(&self, method: &str, path: &str, status: u16, content_type: &str, body: &[u8]) -> Result<(), String> {
        let Some(template) = self.operation(method, path) else { return Ok(()) };
        let first = self.checked.lock().expect("lock").insert((method.to_string(), template.to_string(), status));
        let op = &self.doc["paths"][template][method.to_lowercase()];
        let r = self.check_response(op, status, content_type, body);
        // One violation per operation and status is enough to say what to fix.
        if let Err(e) = &r
            && (first || !self.violations.lock().expect("lock").iter().any(|v| v.contains(&format!("({template}) answered {status}"))))
        {
            let text = String::from_utf8_lossy(&body[..body.len().min(400)]).to_string();
            self.violations.lock().expect("lock").push(format!("{method} {path} ({template}) answered {status}: {e}\n    body: {text}"));
        }
        r
    }

    fn check_response(&self, op: &Value, status: u16, content_type: &str, body: &[u8]) -> Result<(), String> {
        let Some(response) = op["responses"].get(status.to_string()) else {
            let declared: Vec<&String> = op["responses"].as_object().map(|r| r.keys().collect()).unwrap_or_default();
            return Err(format!("status {status} is not declared (declared: {declared:?})"));
        };
        let media = content_type.split(';').next().unwrap_or("").trim();
        let Some(content) = response["content"].as_object() else {
            return if body.is_empty() { Ok(()) } else { Err(format!("a body ({media}) where none is declared")) };
        };
        let Some(declared) = content.get(media) else {
            return Err(format!("content type {media:?} is not declared (declared: {:?})", content.keys().collect::<Vec<_>>()));
        };
        if media != "application/json" {
            return Ok(());
        }
        let value: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
        let mut errors = Vec::new();
        self.validate(&declared["schema"], &value, "$", &mut errors);
        if errors.is_empty() { Ok(()) } else { Err(errors.join("; ")) }
    }

    /// Validates `value` against `schema`, pushing each problem (with its JSON path).
    pub fn validate(&self, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
        let Some(s) = schema.as_object() else {
            if schema == &Value::Bool(false) {
                errors.push(format!("{at}: not allowed"));
            }
            return;
        };
        for k in s.keys() {
            if !KNOWN.contains(&k.as_str()) {
                errors.push(format!("{at}: schema keyword {k:?} is not checked by the test's validator"));
            }
        }
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let name = r.strip_prefix("#/components/schemas/").unwrap_or(r);
            match self.doc["components"]["schemas"].get(name) {
                Some(target) => self.validate(target, value, at, errors),
                None => errors.push(format!("{at}: unknown schema {r}")),
            }
        }
        if let Some(types) = s.get("type") {
            let types: Vec<&str> = match types {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if !types.iter().any(|t| has_type(value, t)) {
                errors.push(format!("{at}: {} is not of type {types:?}", short(value)));
                return;
            }
        }
        if let Some(allowed) = s.get("enum").and_then(Value::as_array)
            && !allowed.contains(value)
        {
            errors.push(format!("{at}: {} is not one of {}", short(value), Value::Array(allowed.clone())));
        }
        if let Some(n) = value.as_f64() {
            if let Some(min) = s.get("minimum").and_then(Value::as_f64)
                && n < min
            {
                errors.push(format!("{at}: {n} < minimum {min}"));
            }
            if let Some(max) = s.get("maximum").and_then(Value::as_f64)
                && n > max
            {
                errors.push(format!("{at}: {n} > maximum {max}"));
            }
        }
        if let (Some(format), Some(text)) = (s.get("format").and_then(Value::as_str), value.as_str())
            && format == "date"
            && !is_date(text)
        {
            errors.push(format!("{at}: {text:?} is not a date (YYYY-MM-DD)"));
        }
        if let (Some(format), Some(n)) = (s.get("format").and_then(Value::as_str), value.as_f64())
            && format == "int32"
            && (n < f64::from(i32::MIN) || n > f64::from(i32::MAX))
        {
            errors.push(format!("{at}: {n} is out of int32"));
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            let Some(subs) = s.get(key).and_then(Value::as_array) else { continue };
            let results: Vec<Vec<String>> = subs
                .iter()
                .map(|sub| {
                    let mut e = Vec::new();
                    self.validate(sub, value, at, &mut e);
                    e
                })
                .collect();
            let passing = results.iter().filter(|e| e.is_empty()).count();
            let ok = match key {
                "allOf" => passing == subs.len(),
                "anyOf" => passing >= 1,
                _ => passing == 1,
            };
            if !ok {
                let why: Vec<String> = results.into_iter().flatten().collect();
                errors.push(format!("{at}: {key} fails ({passing} of {} match): {}", subs.len(), why.join(" | ")));
            }
        }
        if let Some(obj) = value.as_object() {
            let props = s.get("properties").and_then(Value::as_object);
            for req in s.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
                if !obj.contains_key(req) {
                    errors.push(format!("{at}: required property {req:?} is missing"));
                }
            }
            for (k, v) in obj {
                match props.and_then(|p| p.get(k)) {
                    Some(ps) => self.validate(ps, v, &format!("{at}.{k}"), errors),
                    None => match s.get("additionalProperties") {
                        Some(Value::Bool(false)) => errors.push(format!("{at}: property {k:?} is not declared")),
                        Some(extra @ Value::Object(_)) => self.validate(extra, v, &format!("{at}.{k}"), errors),
                        _ => {}
                    },
                }
            }
        }
        if let (Some(items), Some(arr)) = (s.get("items"), value.as_array()) {
            for (i, v) in arr.iter().enumerate() {
                self.validate(items, v, &format!("{at}[{i}]"), errors);
            }
        }
    }

    /// Every violation seen so far.
    pub fn violations(&self) -> Vec<String> {
        self.violations.lock().expect("lock").clone()
    }

    /// The (method, operation, status) triples checked so far.
    pub fn checked(&self) -> BTreeSet<(String, String, u16)> {
        self.checked.lock().expect("lock").clone()
    }

    /// The document.
    pub fn document(&self) -> &Value {
        &self.doc
    }
}

fn has_type(v: &Value, t: &str) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => false,
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-' && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 { format!("{}…", s.chars().take(60).collect::<String>()) } else { s }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn doc() -> Value {
        json!({
            "paths": {
                "/api/v1/things/{thing_id}": {"get": {"responses": {
                    "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                    "404": {"content": {"application/json": {"schema": {"type": "object", "required": ["error"]}}}}
                }}},
                "/api/v1/things/export.xlsx": {"get": {"responses": {"200": {"content": {"application/x-xlsx": {"schema": {"type": "string"}}}}}}},
                "/api/v1/things": {"post": {"responses": {"204": {"description": "ok"}}}}
            },
            "components": {"schemas": {"Thing": {"type": "object", "required": ["id", "day"], "properties": {
                "id": {"type": "integer", "format": "int64"},
                "day": {"type": "string", "format": "date"},
                "note": {"type": ["string", "null"]},
                "kind": {"type": "string", "enum": ["a", "b"]},
                "tags": {"type": "array", "items": {"type": "string"}}
            }}}}
        })
    }

    #[test]
    fn responses_are_held_to_the_document() {
        let c = Conformance::new(doc());
        let ok = br#"{"id": 1, "day": "2026-11-22", "note": null, "kind": "a", "tags": ["x"]}"#;
        assert_eq!(c.check("GET", "/api/v1/things/7", 200, "application/json", ok), Ok(()));
        assert_eq!(c.operation("GET", "/api/v1/things/export.xlsx"), Some("/api/v1/things/export.xlsx"));
        assert_eq!(c.check("GET", "/api/v1/things/export.xlsx", 200, "application/x-xlsx", b"PK"), Ok(()));
        assert_eq!(c.check("POST", "/api/v1/things", 204, "", b""), Ok(()));
        assert_eq!(c.check("GET", "/api/v1/elsewhere", 500, "text/plain", b"x"), Ok(()), "undocumented routes are not ours");
        let bad: &[(u16, &str, &[u8], &str)] = &[
            (409, "application/json", b"{}", "status 409 is not declared"),
            (200, "text/html", b"<p>", "content type \"text/html\""),
            (200, "application/json", br#"{"id": "1", "day": "2026-11-22"}"#, "$.id: \"1\" is not of type"),
            (200, "application/json", br#"{"id": 1}"#, "required property \"day\""),
            (200, "application/json", br#"{"id": 1, "day": "22/11/2026"}"#, "is not a date"),
            (200, "application/json", br#"{"id": 1, "day": "2026-11-22", "kind": "c"}"#, "is not one of"),
            (200, "application/json", br#"{"id": 1, "day": "2026-11-22", "tags": [1]}"#, "$.tags[0]"),
            (404, "application/json", b"[]", "is not of type"),
        ];
        for (status, ct, body, want) in bad {
            let e = c.check("GET", "/api/v1/things/7", *status, ct, body).unwrap_err();
            assert!(e.contains(want), "{e} should say {want}");
        }
        assert_eq!(
            c.check("POST", "/api/v1/things", 204, "application/json", b"{}").unwrap_err(),
            "a body (application/json) where none is declared"
        );
        assert_eq!(c.violations().len(), 4, "one per operation and status: {:?}", c.violations());
    }
}
