//! The command line: `serve`, `migrate`, `openapi`, and user and key administration. Every
//! option can also be set through a `PEOPLECLOUD_*` environment variable.

use std::io::{Read, Write};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::{Map, Value, json};

use crate::domain::auth::issue_key;
use crate::domain::permissions::Actor;
use crate::domain::time::{format_timestamp, now};
use crate::domain::user::{self, UserType, email_key};
use crate::error::Error;
use crate::http::HttpLimits;
use crate::server::{Server, ServerConfig, stop_signal};
use crate::store::{self, ApiKeyRecord, StoreOptions};

#[derive(Debug, Parser)]
#[command(
    name = "peoplecloud",
    version,
    about = "Server for the People Cloud Public API",
    after_help = "Logging: PEOPLECLOUD_LOG sets the log filter (default: info), for example \
                  PEOPLECLOUD_LOG=debug or PEOPLECLOUD_LOG=peoplecloud=debug,sqlx=warn. \
                  Logs go to standard error."
)]
pub struct Cli {
    /// Database to use: sqlite://PATH (created when missing) or postgres://USER@HOST:PORT/DATABASE.
    #[arg(
        long,
        global = true,
        env = "PEOPLECLOUD_DATABASE_URL",
        default_value = "sqlite://peoplecloud.db"
    )]
    pub database_url: String,

    /// SQLite `synchronous` mode: full (an acknowledged write survives a power loss), normal or off.
    #[arg(
        long,
        global = true,
        env = "PEOPLECLOUD_SQLITE_SYNCHRONOUS",
        default_value = "full"
    )]
    pub sqlite_synchronous: String,

    /// Maximum number of pooled database connections (SQLite: for reads; writes use one).
    #[arg(
        long,
        global = true,
        env = "PEOPLECLOUD_MAX_CONNECTIONS",
        default_value_t = 16
    )]
    pub max_connections: u32,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations and serve the API until SIGINT or SIGTERM.
    Serve(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate,
    /// Print the OpenAPI document as JSON.
    Openapi,
    /// Copy all data into an empty database (SQLite to PostgreSQL or back), ids and timestamps
    /// unchanged. Stop the servers writing to the source first.
    Copy {
        /// Source database URL.
        #[arg(long)]
        from: String,
        /// Target database URL; it must hold no data.
        #[arg(long)]
        to: String,
    },
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Key(KeyCommand),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "PEOPLECLOUD_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// Base URL of absolute links in responses (pagination); the request's Host when unset.
    #[arg(long, env = "PEOPLECLOUD_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Largest accepted request body, in bytes.
    #[arg(long, env = "PEOPLECLOUD_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Seconds after which a request gets a 503 response.
    #[arg(long, env = "PEOPLECLOUD_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user and print its id.
    Create(UserCreateArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum UserTypeArg {
    Admin,
    Client,
    Vendor,
}

impl From<UserTypeArg> for UserType {
    fn from(value: UserTypeArg) -> Self {
        match value {
            UserTypeArg::Admin => UserType::Admin,
            UserTypeArg::Client => UserType::Client,
            UserTypeArg::Vendor => UserType::Vendor,
        }
    }
}

#[derive(Debug, Args)]
pub struct UserCreateArgs {
    /// E-mail address; unique regardless of letter case.
    #[arg(long)]
    pub email: String,
    /// Display name.
    #[arg(long)]
    pub name: String,
    /// Role of the user.
    #[arg(long = "type", value_enum)]
    pub user_type: UserTypeArg,
    /// Company name, matched case-insensitively or created.
    #[arg(long)]
    pub company: Option<String>,
    /// Mark the user as verified.
    #[arg(long)]
    pub verified: bool,
    /// Read a password from standard input (first line); without it the user signs in with keys only.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create an API key for a user and print it alone on standard output.
    Create {
        /// E-mail of the key's owner.
        #[arg(long)]
        email: String,
        /// Label shown in listings.
        #[arg(long, default_value = "cli", value_parser = clap::builder::NonEmptyStringValueParser::new())]
        name: String,
        /// Days until the key expires, from 1 to 3650; it never expires when omitted.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        expires_in_days: Option<u32>,
    },
    /// List API keys (never the keys themselves), optionally of one user.
    List {
        /// E-mail of the owner whose keys to list.
        #[arg(long)]
        email: Option<String>,
    },
    /// Revoke an API key by id.
    Revoke {
        /// Id of the key, as `key list` shows it.
        id: i64,
    },
}

impl Cli {
    fn store_options(&self) -> StoreOptions {
        StoreOptions {
            sqlite_synchronous: self.sqlite_synchronous.clone(),
            max_connections: self.max_connections,
        }
    }
}

/// Returns the actor for commands run by the operator on the server's machine: an admin.
fn operator() -> Actor {
    Actor {
        id: 0,
        email: "operator".to_owned(),
        user_type: UserType::Admin,
        company_id: None,
        is_verified: true,
        key_id: 0,
    }
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let options = cli.store_options();
    match cli.command {
        Command::Serve(args) => serve(cli.database_url, options, args).await,
        Command::Migrate => {
            store::connect(&cli.database_url, &options).await?;
            eprintln!(
                "Migrations applied to {}",
                store::redact_url(&cli.database_url)
            );
            Ok(())
        }
        Command::Openapi => {
            let (_, document) = crate::http::api_routes().split_for_parts();
            let document = crate::http::openapi::finish(document);
            println!("{}", document.to_pretty_json()?);
            Ok(())
        }
        Command::Copy { from, to } => {
            store::copy::copy_database(&from, &to, &options).await?;
            eprintln!(
                "Copied {} to {}",
                store::redact_url(&from),
                store::redact_url(&to)
            );
            Ok(())
        }
        Command::User(UserCommand::Create(args)) => {
            create_user(&cli.database_url, &options, args).await
        }
        Command::Key(command) => key_command(&cli.database_url, &options, command).await,
    }
}

async fn serve(database_url: String, options: StoreOptions, args: ServeArgs) -> anyhow::Result<()> {
    let config = ServerConfig {
        bind: args.bind,
        database_url,
        store: options,
        limits: HttpLimits {
            max_body_bytes: args.max_body_bytes,
            request_timeout: Duration::from_secs(args.request_timeout_secs.max(1)),
        },
        public_url: args.public_url,
    };
    let server = Server::start(config).await?;
    if let Some(key) = &server.admin_key {
        // The one place the first key appears: standard output, never the log.
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "PEOPLECLOUD_ADMIN_KEY={key}")?;
        stdout.flush()?;
        tracing::info!(
            email = crate::server::BOOTSTRAP_ADMIN_EMAIL,
            "first admin created; its key is on standard output"
        );
    }
    stop_signal().await;
    server.shutdown().await
}

/// Explains a domain error on the terminal.
fn describe(error: Error) -> anyhow::Error {
    match error {
        Error::Validation(errors) => {
            let mut lines = vec![errors.summary()];
            if let Value::Object(fields) = errors.to_json() {
                for (field, messages) in fields {
                    lines.push(format!("  {field}: {messages}"));
                }
            }
            anyhow::anyhow!(lines.join("\n"))
        }
        Error::Internal(cause) => cause,
        other => anyhow::anyhow!(other.to_string()),
    }
}

async fn create_user(
    database_url: &str,
    options: &StoreOptions,
    args: UserCreateArgs,
) -> anyhow::Result<()> {
    let password = if args.password_stdin {
        let mut input = String::new();
        std::io::stdin()
            .read_to_string(&mut input)
            .context("failed to read the password")?;
        Some(input.lines().next().unwrap_or_default().to_owned())
    } else {
        None
    };
    let mut body = Map::new();
    body.insert("name".into(), json!(args.name));
    body.insert("email".into(), json!(args.email));
    body.insert(
        "type".into(),
        json!(UserType::from(args.user_type).as_str()),
    );
    body.insert("is_verified".into(), json!(args.verified));
    if let Some(company) = args.company {
        body.insert("company_name".into(), json!(company));
    }
    if let Some(password) = &password {
        body.insert("password".into(), json!(password));
        body.insert("confirm_password".into(), json!(password));
    }

    let store = store::connect(database_url, options).await?;
    let id = user::create_user_as_operator(store.as_ref(), &operator(), &body, password.is_some())
        .await
        .map_err(describe)?;
    println!("{id}");
    Ok(())
}

/// Prints keys as a table. A reader that closes the pipe early (`| head`) ends the listing
/// quietly instead of with an error.
fn print_key_table(keys: &[ApiKeyRecord]) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    let mut lines = vec![format!(
        "{:<6} {:<8} {:<14} {:<20} {:<28} {:<28} {:<28}",
        "ID", "USER", "PREFIX", "NAME", "CREATED", "EXPIRES", "REVOKED"
    )];
    for key in keys {
        let or_dash = |timestamp: Option<_>| {
            timestamp
                .map(format_timestamp)
                .unwrap_or_else(|| "-".to_owned())
        };
        lines.push(format!(
            "{:<6} {:<8} {:<14} {:<20} {:<28} {:<28} {:<28}",
            key.id,
            key.user_id,
            key.prefix,
            key.name,
            format_timestamp(key.created_at),
            or_dash(key.expires_at),
            or_dash(key.revoked_at),
        ));
    }
    for line in lines {
        match writeln!(stdout, "{line}") {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            Err(error) => return Err(error.into()),
        }
    }
    Ok(())
}

async fn key_command(
    database_url: &str,
    options: &StoreOptions,
    command: KeyCommand,
) -> anyhow::Result<()> {
    let store = store::connect(database_url, options).await?;
    match command {
        KeyCommand::Create {
            email,
            name,
            expires_in_days,
        } => {
            let Some(owner) = store.user_by_email_key(&email_key(&email)).await? else {
                bail!("no user has the e-mail {email}");
            };
            if owner.deleted_at.is_some() {
                bail!("the user {email} is soft-deleted; its keys would not work");
            }
            let expires_at =
                expires_in_days.map(|days| now() + chrono::TimeDelta::days(i64::from(days)));
            let issued = issue_key(owner.id, &name, expires_at);
            store.create_api_key(&issued.row).await?;
            println!("{}", issued.key);
        }
        KeyCommand::List { email } => {
            let user_id = match email {
                Some(email) => match store.user_by_email_key(&email_key(&email)).await? {
                    Some(owner) => Some(owner.id),
                    None => bail!("no user has the e-mail {email}"),
                },
                None => None,
            };
            let keys = store.list_api_keys(user_id).await?;
            print_key_table(&keys)?;
        }
        KeyCommand::Revoke { id } => {
            if store.api_key_by_id(id).await?.is_none() {
                bail!("no API key has the id {id}");
            }
            if !store.revoke_api_key(id, now()).await? {
                bail!("the API key {id} is already revoked");
            }
            eprintln!("API key {id} revoked");
        }
    }
    Ok(())
}
