//! `shouwang user …` and `shouwang token …`: accounts from the command line.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use shouwang_db::Db;
use shouwang_db::accounts::{self, NewUser};
use shouwang_domain::i18n::{t, t_with};
use shouwang_domain::{Lang, Role};
use shouwang_web::auth;

use crate::cli::{TokenCommand, UserCommand};
use crate::commands::{code, user_error};

pub(crate) async fn user(db: &Db, cmd: UserCommand, lang: Lang) -> anyhow::Result<ExitCode> {
    match cmd {
        UserCommand::Add { username, role, scope, name, password_stdin, grant_personal_data } => {
            let role = Role::parse(&role).ok_or_else(|| {
                let all: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
                anyhow!(t_with(lang, "cli.user.bad_role", &[("roles", &all.join(", "))]))
            })?;
            if grant_personal_data && !role.is_upper_level() {
                bail!(t(lang, "cli.user.grant_upper_only"));
            }
            let (password, generated) = if password_stdin {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s)?;
                let s = s.trim_end_matches(['\n', '\r']).to_string();
                if s.chars().count() < 10 {
                    bail!(t(lang, "cli.user.password_short"));
                }
                (s, false)
            } else {
                (auth::generated_password(), true)
            };
            let hash = auth::hash_password(&password).map_err(|e| anyhow!(e.message(lang)))?;
            let scope = code(&scope, lang)?;
            let user = accounts::create_user(
                db,
                NewUser {
                    username: &username,
                    display_name: name.as_deref().unwrap_or(&username),
                    password_hash: hash,
                    role,
                    scope: &scope,
                    personal_grant: grant_personal_data,
                    must_change_password: generated,
                },
            )
            .await
            .map_err(|e| user_error(e, lang))?;
            println!(
                "{}",
                t_with(
                    lang,
                    "cli.user.created",
                    &[("username", &user.username), ("role", &role.label(lang)), ("scope", &scope)]
                )
            );
            if generated {
                // Shown once, never stored in clear: hand it over, then it must be changed.
                println!("{}", t_with(lang, "cli.user.password", &[("password", &password)]));
                println!("{}", t(lang, "cli.user.password_once"));
            }
        }
        UserCommand::List { under } => {
            let region = shouwang_db::registry::region_by_code(&db.read, &code(&under, lang)?)
                .await
                .map_err(|e| user_error(e, lang))?;
            for a in accounts::users_under(&db.read, &region.path).await? {
                let state = if a.user.disabled { t(lang, "cli.user.disabled") } else { String::new() };
                println!(
                    "{}  {}  {}  {}  {state}",
                    a.user.username,
                    a.user.display_name,
                    a.role.label(lang),
                    a.scope.code
                );
            }
        }
        UserCommand::Disable { username, enable } => {
            let a = accounts::find_by_username(&db.read, &username)
                .await?
                .ok_or_else(|| anyhow!(t_with(lang, "cli.user.no_such", &[("username", &username)])))?;
            accounts::set_disabled(db, a.user.id, !enable).await?;
            println!("{}", t(lang, if enable { "cli.user.now_enabled" } else { "cli.user.now_disabled" }));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn token(db: &Db, cmd: TokenCommand, lang: Lang) -> anyhow::Result<ExitCode> {
    let TokenCommand::Create { username, name } = cmd;
    let a = accounts::find_by_username(&db.read, &username)
        .await?
        .ok_or_else(|| anyhow!(t_with(lang, "cli.user.no_such", &[("username", &username)])))?;
    let token = auth::random_token();
    accounts::create_api_token(db, a.user.id, &name, &auth::sha256_hex(&token)).await?;
    println!("{token}");
    eprintln!("{}", t(lang, "cli.token.shown_once"));
    Ok(ExitCode::SUCCESS)
}
