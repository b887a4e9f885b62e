//! Reading the create-inquiry and add-position bodies into valid values, reporting every
//! problem under its field path (`hires.0.job_start`). Keys that real clients send but this
//! server does not use (`files`, `vendor_price`, `client`, ...) are ignored whatever they hold.

use serde_json::{Map, Value};

use super::company;
use super::input::{self, Field, MAX_HTML_BYTES, MAX_NAME_CHARS};
use super::inquiry::{PositionType, RemoteWork};
use super::lenient::{self, Allocation, DATE_TIME_FORMS, Importance, LenientDateTime};
use crate::error::ValidationErrors;
use crate::store::inquiries::NeedRequirement;

/// Maximum length, in characters, of free-text fields (`main_contact`, `location`, ...).
pub const MAX_FREE_TEXT_CHARS: usize = 1000;
/// Number of positions a new inquiry may carry.
pub const HIRES_RANGE: std::ops::RangeInclusive<usize> = 1..=100;
/// Maximum number of `order_need_reqs` of one position.
pub const MAX_NEED_REQUIREMENTS: usize = 50;

/// A valid create-inquiry body.
#[derive(Debug, Clone)]
pub struct NewInquiry {
    pub title: String,
    /// Sanitised HTML.
    pub description: Option<String>,
    /// The industry's display name.
    pub industry: String,
    pub main_contact: Option<String>,
    /// `company_id` as sent; only admins may name a company other than their own.
    pub company_id: Option<i64>,
    pub hires: Vec<NewPosition>,
}

/// A valid position, from a hire or an add-position body.
#[derive(Debug, Clone)]
pub struct NewPosition {
    pub title: String,
    pub position_type: PositionType,
    /// Sanitised HTML.
    pub description: Option<String>,
    pub language_reqs: Option<String>,
    pub experience_level: Option<String>,
    pub job_start: Option<LenientDateTime>,
    pub job_end: Option<LenientDateTime>,
    pub location: Option<String>,
    pub is_remote_work: Option<RemoteWork>,
    pub allocation: Option<Allocation>,
    pub budget: Option<String>,
    pub order_need_reqs: Vec<NeedRequirement>,
    pub is_video_required: bool,
    pub cv_deadline: Option<LenientDateTime>,
}

/// Joins a field path: `hires.0` and `title` give `hires.0.title`.
fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

fn required_text_at(
    object: &Map<String, Value>,
    key: &str,
    path: &str,
    max_chars: usize,
    errors: &mut ValidationErrors,
) -> Option<String> {
    let text = Field::of(object, key)
        .given()
        .and_then(|value| input::text(value, path, max_chars, errors));
    if text.is_none() && !errors.has(path) {
        errors.add(
            path,
            format!("The {} field is required.", input::label(path)),
        );
    }
    text
}

fn optional_text_at(
    object: &Map<String, Value>,
    key: &str,
    path: &str,
    max_chars: usize,
    errors: &mut ValidationErrors,
) -> Option<String> {
    Field::of(object, key)
        .given()
        .and_then(|value| input::text(value, path, max_chars, errors))
}

/// Reads an HTML field and sanitises it: scripts, event handlers and `javascript:` URLs go,
/// ordinary formatting stays. `None` when nothing is left.
fn html_at(
    object: &Map<String, Value>,
    key: &str,
    path: &str,
    errors: &mut ValidationErrors,
) -> Option<String> {
    let value = Field::of(object, key).given()?;
    let Some(html) = value.as_str() else {
        errors.add(
            path,
            format!("The {} field must be a string.", input::label(path)),
        );
        return None;
    };
    if html.len() > MAX_HTML_BYTES {
        errors.add(
            path,
            format!(
                "The {} field must not be greater than {MAX_HTML_BYTES} bytes.",
                input::label(path)
            ),
        );
        return None;
    }
    if input::has_control_characters(html) {
        errors.add(
            path,
            format!(
                "The {} field must not contain control characters.",
                input::label(path)
            ),
        );
        return None;
    }
    let clean = ammonia::clean(html);
    let clean = clean.trim();
    (!clean.is_empty()).then(|| clean.to_owned())
}

fn date_time_at(
    object: &Map<String, Value>,
    key: &str,
    path: &str,
    errors: &mut ValidationErrors,
) -> Option<LenientDateTime> {
    let value = Field::of(object, key).given()?;
    let parsed = value.as_str().and_then(LenientDateTime::parse);
    if parsed.is_none() {
        errors.add(
            path,
            format!(
                "The {} field must be a date-time in one of these forms: {DATE_TIME_FORMS}.",
                input::label(path)
            ),
        );
    }
    parsed
}

fn position_type_at(
    object: &Map<String, Value>,
    path: &str,
    errors: &mut ValidationErrors,
) -> Option<PositionType> {
    let value = match Field::of(object, "type").given() {
        None => return Some(PositionType::External),
        // The list shows the type as an array of one string; clients may send that back.
        Some(Value::Array(items)) if items.len() == 1 => &items[0],
        Some(value) => value,
    };
    input::one_of(value, path, &PositionType::VOCABULARY, errors)
}

fn need_requirements_at(
    object: &Map<String, Value>,
    path: &str,
    errors: &mut ValidationErrors,
) -> Vec<NeedRequirement> {
    let Some(value) = Field::of(object, "order_need_reqs").given() else {
        return Vec::new();
    };
    let Some(items) = value.as_array() else {
        errors.add(
            path,
            format!("The {} field must be an array.", input::label(path)),
        );
        return Vec::new();
    };
    if items.len() > MAX_NEED_REQUIREMENTS {
        errors.add(
            path,
            format!(
                "The {} field must not have more than {MAX_NEED_REQUIREMENTS} items.",
                input::label(path)
            ),
        );
        return Vec::new();
    }

    let mut requirements = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let item_path = format!("{path}.{index}");
        let Some(item) = item.as_object() else {
            errors.add(
                &item_path,
                format!("The {item_path} field must be an object with a name and an importance."),
            );
            continue;
        };
        let name = required_text_at(
            item,
            "name",
            &join(&item_path, "name"),
            MAX_NAME_CHARS,
            errors,
        );
        let importance_path = join(&item_path, "importance");
        let importance = match Field::of(item, "importance").given() {
            Some(value) => {
                let parsed = Importance::parse(value);
                if parsed.is_none() {
                    errors.add(
                        &importance_path,
                        format!("The {importance_path} field must be a whole number from 1 to 5."),
                    );
                }
                parsed
            }
            None => {
                errors.add(
                    &importance_path,
                    format!("The {importance_path} field is required."),
                );
                None
            }
        };
        if let (Some(name), Some(importance)) = (name, importance) {
            requirements.push(NeedRequirement { name, importance });
        }
    }
    requirements
}

/// Reads one position; `prefix` is its path in the body (`hires.0`, or empty for an
/// add-position body). The `stage` key is ignored: a position takes its inquiry's stage.
pub fn read_position(
    object: &Map<String, Value>,
    prefix: &str,
    errors: &mut ValidationErrors,
) -> Option<NewPosition> {
    let at = |key: &str| join(prefix, key);

    let title = required_text_at(object, "title", &at("title"), MAX_NAME_CHARS, errors);
    let position_type = position_type_at(object, &at("type"), errors);
    let description = html_at(object, "description", &at("description"), errors);
    let language_reqs = optional_text_at(
        object,
        "language_reqs",
        &at("language_reqs"),
        MAX_FREE_TEXT_CHARS,
        errors,
    );
    let experience_level = optional_text_at(
        object,
        "experience_level",
        &at("experience_level"),
        MAX_NAME_CHARS,
        errors,
    );
    let location = optional_text_at(
        object,
        "location",
        &at("location"),
        MAX_FREE_TEXT_CHARS,
        errors,
    );
    let is_remote_work = Field::of(object, "is_remote_work")
        .given()
        .and_then(|value| {
            input::one_of(
                value,
                &at("is_remote_work"),
                &RemoteWork::VOCABULARY,
                errors,
            )
        });

    let allocation_path = at("allocation");
    let allocation = Field::of(object, "allocation").given().and_then(|value| {
        let parsed = Allocation::parse(value);
        if parsed.is_none() {
            errors.add(
                &allocation_path,
                format!(
                    "The {} field must be a whole percent from 0 to 100, as a number or a string such as \"10\" or \"10%\".",
                    input::label(&allocation_path)
                ),
            );
        }
        parsed
    });

    let budget_path = at("budget");
    let budget = Field::of(object, "budget").given().and_then(|value| {
        let Some(text) = lenient::number_or_text(value) else {
            errors.add(
                &budget_path,
                format!(
                    "The {} field must be a number or a string.",
                    input::label(&budget_path)
                ),
            );
            return None;
        };
        input::text(&Value::String(text), &budget_path, MAX_NAME_CHARS, errors)
    });

    let video_path = at("is_video_required");
    let is_video_required = match Field::of(object, "is_video_required").given() {
        None => Some(false),
        Some(value) => {
            let parsed = input::boolean(value);
            if parsed.is_none() {
                errors.add(
                    &video_path,
                    format!(
                        "The {} field must be true, false, 0 or 1.",
                        input::label(&video_path)
                    ),
                );
            }
            parsed
        }
    };

    let job_start = date_time_at(object, "job_start", &at("job_start"), errors);
    let job_end = date_time_at(object, "job_end", &at("job_end"), errors);
    if let (Some(start), Some(end)) = (job_start, job_end)
        && end < start
    {
        let path = at("job_end");
        errors.add(
            &path,
            format!(
                "The {} field must be a date-time not before {}.",
                input::label(&path),
                input::label(&at("job_start"))
            ),
        );
    }
    let cv_deadline = date_time_at(object, "cv_deadline", &at("cv_deadline"), errors);
    let order_need_reqs = need_requirements_at(object, &at("order_need_reqs"), errors);

    Some(NewPosition {
        title: title?,
        position_type: position_type?,
        description,
        language_reqs,
        experience_level,
        job_start,
        job_end,
        location,
        is_remote_work,
        allocation,
        budget,
        order_need_reqs,
        is_video_required: is_video_required?,
        cv_deadline,
    })
}

fn read_industry(object: &Map<String, Value>, errors: &mut ValidationErrors) -> Option<String> {
    let name = match Field::of(object, "industry").given() {
        Some(Value::Object(industry)) => {
            optional_text_at(industry, "name", "industry.name", MAX_NAME_CHARS, errors)
        }
        Some(_) => {
            errors.add(
                "industry",
                "The industry field must be an object with a name.",
            );
            return None;
        }
        None => None,
    };
    if name.is_none() && !errors.has("industry") && !errors.has("industry.name") {
        errors.add("industry.name", "The industry.name field is required.");
    }
    name.map(|name| company::clean_name(&name))
}

fn read_hires(
    object: &Map<String, Value>,
    errors: &mut ValidationErrors,
) -> Option<Vec<NewPosition>> {
    let Some(value) = Field::of(object, "hires").given() else {
        errors.add("hires", "The hires field is required.");
        return None;
    };
    let Some(items) = value.as_array() else {
        errors.add("hires", "The hires field must be an array of positions.");
        return None;
    };
    if !HIRES_RANGE.contains(&items.len()) {
        errors.add(
            "hires",
            format!(
                "The hires field must have from {} to {} items.",
                HIRES_RANGE.start(),
                HIRES_RANGE.end()
            ),
        );
        return None;
    }

    let mut hires = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let prefix = format!("hires.{index}");
        let Some(item) = item.as_object() else {
            errors.add(&prefix, format!("The {prefix} field must be an object."));
            continue;
        };
        if let Some(position) = read_position(item, &prefix, errors) {
            hires.push(position);
        }
    }
    Some(hires)
}

/// Reads a create-inquiry body. `None` means at least one problem was recorded.
pub fn read_new_inquiry(
    object: &Map<String, Value>,
    errors: &mut ValidationErrors,
) -> Option<NewInquiry> {
    let title = required_text_at(object, "title", "title", MAX_NAME_CHARS, errors);
    let description = html_at(object, "description", "description", errors);
    let industry = read_industry(object, errors);
    let main_contact = optional_text_at(
        object,
        "main_contact",
        "main_contact",
        MAX_FREE_TEXT_CHARS,
        errors,
    );
    let company_id = input::optional_id(object, "company_id", errors);
    let hires = read_hires(object, errors);
    if !errors.is_empty() {
        return None;
    }
    Some(NewInquiry {
        title: title?,
        description,
        industry: industry?,
        main_contact,
        company_id,
        hires: hires?,
    })
}

/// Returns the visible text of sanitised HTML: tags dropped, common entities decoded, white
/// space collapsed. Used to search descriptions.
pub fn html_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut tag: Option<String> = None;
    for character in html.chars() {
        match (&mut tag, character) {
            (None, '<') => tag = Some(String::new()),
            (Some(name), '>') => {
                // Block elements and line breaks separate words; inline ones (`<b>`, `<em>`)
                // sit inside a word, so `Ku<b>ber</b>netes` reads "Kubernetes".
                if breaks_words(name) {
                    text.push(' ');
                }
                tag = None;
            }
            (Some(name), _) => name.push(character),
            (None, _) => text.push(character),
        }
    }
    let decoded = decode_entities(&text);
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks whether the tag (its text between `<` and `>`) separates the words around it.
fn breaks_words(tag: &str) -> bool {
    const INLINE: [&str; 16] = [
        "a", "abbr", "b", "bdi", "bdo", "cite", "code", "em", "i", "mark", "q", "s", "small",
        "span", "strong", "u",
    ];
    let name = tag
        .trim_start_matches('/')
        .split(|c: char| c.is_whitespace() || c == '/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    !(INLINE.contains(&name.as_str()) || matches!(name.as_str(), "sub" | "sup"))
}

/// Decodes the named entities that the sanitiser writes and numeric character references.
fn decode_entities(text: &str) -> String {
    let mut decoded = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        decoded.push_str(&rest[..start]);
        let candidate = &rest[start..];
        let entity_end = candidate.find(';').filter(|end| *end <= 10);
        let replacement = entity_end.and_then(|end| {
            let name = &candidate[1..end];
            let character = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => name.strip_prefix('#').and_then(|number| {
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => number.parse::<u32>().ok(),
                    };
                    code.and_then(char::from_u32)
                }),
            };
            character.map(|character| (character, end + 1))
        });
        match replacement {
            Some((character, length)) => {
                decoded.push(character);
                rest = &candidate[length..];
            }
            None => {
                decoded.push('&');
                rest = &candidate[1..];
            }
        }
    }
    decoded.push_str(rest);
    decoded
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().expect("object")
    }

    #[test]
    fn html_is_sanitised() {
        let body = object(json!({
            "description": "<p onclick=\"x()\">Hi <b>there</b><script>alert(1)</script><a href=\"javascript:alert(1)\">x</a></p>"
        }));
        let mut errors = ValidationErrors::new();
        let clean = html_at(&body, "description", "description", &mut errors).unwrap();
        assert!(!clean.contains("script"), "{clean}");
        assert!(!clean.contains("onclick"), "{clean}");
        assert!(!clean.contains("javascript"), "{clean}");
        assert!(clean.contains("<b>there</b>"), "{clean}");
    }

    #[test]
    fn html_text_drops_tags() {
        assert_eq!(
            html_text("<div>Nice</div><div>Fish &amp; chips</div>"),
            "Nice Fish & chips"
        );
        assert_eq!(html_text("a&#39;b &#x41; &bogus; &"), "a'b A &bogus; &");
        assert_eq!(
            html_text("<p>Ku<b>ber</b>netes exp<em>ert</em></p>"),
            "Kubernetes expert"
        );
        assert_eq!(html_text("<p>one</p><p>two<br>three</p>"), "one two three");
    }

    #[test]
    fn every_problem_has_its_path() {
        let body = object(json!({
            "title": "",
            "industry": {},
            "hires": [{
                "title": "Dev",
                "job_start": "next week",
                "allocation": "110%",
                "is_remote_work": "sometimes",
                "order_need_reqs": [{"name": "Rust", "importance": 9}]
            }, "not an object"]
        }));
        let mut errors = ValidationErrors::new();
        assert!(read_new_inquiry(&body, &mut errors).is_none());
        for path in [
            "title",
            "industry.name",
            "hires.0.job_start",
            "hires.0.allocation",
            "hires.0.is_remote_work",
            "hires.0.order_need_reqs.0.importance",
            "hires.1",
        ] {
            assert!(errors.has(path), "{path}: {:?}", errors.to_json());
        }
    }

    #[test]
    fn end_before_start_is_rejected() {
        let body = object(json!({
            "title": "Dev", "job_start": "2025-11-02", "job_end": "2025-11-01 12:00:00"
        }));
        let mut errors = ValidationErrors::new();
        read_position(&body, "", &mut errors);
        assert!(errors.has("job_end"), "{:?}", errors.to_json());
    }

    #[test]
    fn ignored_keys_accept_anything() {
        let body = object(json!({
            "title": "Dev", "stage": "bogus", "files": {"a": 1}, "vendor_price": null,
            "cv_deadline_vendor": [1, 2], "type": ["internal"], "is_video_required": "1",
            "budget": 4500.5
        }));
        let mut errors = ValidationErrors::new();
        let position = read_position(&body, "", &mut errors).expect("valid");
        assert!(errors.is_empty());
        assert_eq!(position.position_type, PositionType::Internal);
        assert!(position.is_video_required);
        assert_eq!(position.budget.as_deref(), Some("4500.5"));
    }
}
