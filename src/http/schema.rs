//! OpenAPI schemas of the lenient input forms that existing clients send, for fields whose Rust
//! type in the documentation structs would otherwise describe only one form.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

/// A boolean sent as `true`/`false`, `0`/`1` or `"0"`/`"1"`.
pub struct LenientBool;

impl PartialSchema for LenientBool {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Boolean))
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .enum_values(Some([0, 1])),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["0", "1", "true", "false"])),
            )
            .description(Some("true, false, 0, 1, \"0\" or \"1\""))
            .into()
    }
}

impl ToSchema for LenientBool {}

/// A whole percent from 0 to 100, sent as a number or a string with an optional trailing `%`.
pub struct Percent;

impl PartialSchema for Percent {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0))
                    .maximum(Some(100)),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(r"^\s*\d{1,3}\s*%?\s*$")),
            )
            .description(Some("Whole percent 0-100: 10, \"10\" or \"10%\""))
            .into()
    }
}

impl ToSchema for Percent {}

/// An amount sent as a JSON number or a decimal string, read exactly (never as a binary float).
pub struct DecimalInput;

impl PartialSchema for DecimalInput {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Number))
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(r"^\s*-?\d+(\.\d+)?\s*$")),
            )
            .description(Some(
                "A number or a decimal string, e.g. 150, 150.5 or \"150.00\"",
            ))
            .into()
    }
}

impl ToSchema for DecimalInput {}
