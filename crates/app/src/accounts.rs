//! `shouwang user …` and `shouwang token …`: accounts from the command line.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use shouwang_db::Db;
use shouwang_db::accounts::{self, NewUser};
use shouwang_domain::{Lang, Role};
use shouwang_web::auth;

use crate::cli::{TokenCommand, UserCommand};
use crate::commands::{code, user_error};

pub(crate) async fn user(db: &Db, cmd: UserCommand, lang: Lang) -> anyhow::Result<ExitCode> {
    match cmd {
        UserCommand::Add { username, role, scope, name, password_stdin, grant_personal_data } => {
            let role = Role::parse(&role).ok_or_else(|| {
                let all: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
                anyhow!("{}: {}", lang.pick("角色应为", "role must be one of"), all.join(", "))
            })?;
            if grant_personal_data && !role.is_upper_level() {
                bail!(
                    "{}",
                    lang.pick(
                        "--grant-personal-data 只用于市、区、街道账号",
                        "--grant-personal-data is for city, district and subdistrict accounts"
                    )
                );
            }
            let (password, generated) = if password_stdin {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s)?;
                let s = s.trim_end_matches(['\n', '\r']).to_string();
                if s.chars().count() < 10 {
                    bail!("{}", lang.pick("密码至少10位", "a password needs at least 10 characters"));
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
            match lang {
                Lang::Zh => println!("已创建账号 {}（{}，{}）", user.username, role.label(lang), scope),
                Lang::En => println!("created account {} ({}, {})", user.username, role.label(lang), scope),
            }
            if generated {
                // Shown once, never stored in clear: hand it over, then it must be changed.
                match lang {
                    Lang::Zh => println!("初始密码：{password}\n（只显示这一次；首次登录后必须修改）"),
                    Lang::En => {
                        println!("password: {password}\n(shown only once; it must be changed at the first login)")
                    }
                }
            }
        }
        UserCommand::List { under } => {
            let region = shouwang_db::registry::region_by_code(&db.read, &code(&under, lang)?)
                .await
                .map_err(|e| user_error(e, lang))?;
            for a in accounts::users_under(&db.read, &region.path).await? {
                let state = if a.user.disabled { lang.pick("已停用", "disabled") } else { "" };
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
                .ok_or_else(|| anyhow!("{}: {username}", lang.pick("没有这个账号", "no such account")))?;
            accounts::set_disabled(db, a.user.id, !enable).await?;
            println!(
                "{}",
                if enable {
                    lang.pick("账号已启用", "account enabled")
                } else {
                    lang.pick("账号已停用", "account disabled")
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn token(db: &Db, cmd: TokenCommand, lang: Lang) -> anyhow::Result<ExitCode> {
    let TokenCommand::Create { username, name } = cmd;
    let a = accounts::find_by_username(&db.read, &username)
        .await?
        .ok_or_else(|| anyhow!("{}: {username}", lang.pick("没有这个账号", "no such account")))?;
    let token = auth::random_token();
    accounts::create_api_token(db, a.user.id, &name, &auth::sha256_hex(&token)).await?;
    println!("{token}");
    eprintln!(
        "{}",
        lang.pick(
            "（只显示这一次；调用 API 时加请求头 Authorization: Bearer <令牌>）",
            "(shown only once; send it as Authorization: Bearer <token>)"
        )
    );
    Ok(ExitCode::SUCCESS)
}
