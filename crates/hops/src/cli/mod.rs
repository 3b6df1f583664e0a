//! The command line: argument definitions (clap derive), configuration loading, logging and
//! the mapping of outcomes to exit codes. Each command lives in a sibling module.

mod admin;
mod check;
mod checkup;
mod import;
mod kb;
mod report;
mod run;
mod term;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgAction, CommandFactory, FromArgMatches, Parser, Subcommand};
use hops_platform::Role;
use hops_platform::config::{Config, Sources};

const GLOBAL: &str = "全局选项（global options）";

/// hops —— 互联网医院运营平台（operations platform for Chinese internet hospitals）
#[derive(Parser)]
#[command(
    name = "hops",
    version,
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true,
    after_help = "配置来源依次为：默认值、配置文件（--config 或 HOPS_CONFIG）、环境变量 HOPS_*、命令行参数。\n\
                  查看某个命令的说明：hops <命令> --help，例如 hops user add --help"
)]
pub struct Cli {
    /// 配置文件（TOML）路径（configuration file）；默认读取环境变量 HOPS_CONFIG
    #[arg(long, global = true, value_name = "FILE", help_heading = GLOBAL)]
    config: Option<PathBuf>,
    /// 数据目录（data directory）：内置数据库、密钥文件和上传文件所在处；覆盖 HOPS_DATA 和配置文件中的 data_dir
    #[arg(long, global = true, value_name = "DIR", help_heading = GLOBAL)]
    data: Option<PathBuf>,
    /// 显示帮助（print help）
    #[arg(short = 'h', long, global = true, action = ArgAction::Help, help_heading = GLOBAL)]
    help: Option<bool>,
    /// 显示版本（print version）
    #[arg(short = 'V', long, action = ArgAction::Version, help_heading = GLOBAL)]
    version: Option<bool>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 启动服务（start the web server and background jobs）；先自动迁移数据库，按 Ctrl-C 或收到 SIGTERM 后平滑停止
    Serve {
        /// 监听地址（listen address），如 0.0.0.0:8080；默认取配置中的 listen
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
    },
    /// 迁移数据库（apply database migrations）到当前版本
    Migrate,
    /// 演示模式（demo）：在数据目录中生成一家示例医院及其数据，启动服务并列出演示账户
    Demo {
        /// 监听地址（listen address）；默认取配置中的 listen（127.0.0.1:8080）
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
        /// 数据规模倍数（data volume multiplier），1 为基础规模
        #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
        scale: u32,
        /// 只生成演示数据并报告用时，不启动服务（generate only, e.g. for benchmarks）
        #[arg(long)]
        no_serve: bool,
    },
    /// 初始化（first-time setup）：创建一家医院及其第一个医院管理员；密码取自环境变量 HOPS_ADMIN_PASSWORD 或标准输入的一行
    Init {
        /// 医院编码（hospital code，登录时填写），2–32 位字母、数字、- 或 _
        #[arg(long, value_name = "CODE")]
        hospital_code: String,
        /// 医院名称（hospital name）
        #[arg(long, value_name = "NAME")]
        hospital_name: String,
        /// 医院等级（grade），如 三级甲等
        #[arg(long, value_name = "GRADE")]
        grade: Option<String>,
        /// 管理员用户名（admin username），3–32 位字母、数字或 . _ -
        #[arg(long, value_name = "USERNAME")]
        admin: String,
        /// 管理员姓名（admin display name）
        #[arg(long, value_name = "NAME", default_value = "医院管理员")]
        admin_name: String,
    },
    /// 导入数据文件（import a CSV/XLSX file）：departments、doctors、patients、consultations、appointments、payments、prescriptions；整批校验，有误则整批不导入
    Import {
        /// 数据类型（kind）
        #[arg(value_name = "KIND")]
        kind: String,
        /// 数据文件（.csv 或 .xlsx）
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// 医院编码（hospital code）；只有一家医院时可省略
        #[arg(long, value_name = "CODE")]
        hospital: Option<String>,
        /// 只导入无误的行，有误的行写入 FILE.rejects.csv（import the good rows only）
        #[arg(long)]
        skip_bad: bool,
    },
    /// 生成运营报告（generate a report）：周报、月报、季报、半年报、年报，输出 PDF 或 Excel；不发布、不发送
    Report {
        /// 报告周期（period）：week 周报、month 月报、quarter 季报、half 半年报、year 年报
        #[arg(long, value_name = "PERIOD", default_value = "month")]
        period: String,
        /// 周期内任一日期 YYYY-MM-DD 或月份 YYYY-MM（a day or month inside the period）；默认今天
        #[arg(long, value_name = "DATE")]
        at: Option<String>,
        /// 输出格式（format）：pdf 或 xlsx；默认按 --out 的扩展名，否则为 pdf
        #[arg(long, value_name = "FORMAT")]
        format: Option<String>,
        /// 输出文件（output file）
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// 医院编码（hospital code）；只有一家医院时可省略
        #[arg(long, value_name = "CODE")]
        hospital: Option<String>,
    },
    /// 体检目录（checkup catalogue）：配置审核、导出与导入 Excel
    #[command(subcommand)]
    Checkup(CheckupCommand),
    /// 知识库与智能问答（knowledge base and FAQ bot）
    #[command(subcommand)]
    Kb(KbCommand),
    /// 医院管理（hospitals / tenants）
    #[command(subcommand)]
    Hospital(HospitalCommand),
    /// 用户管理（user accounts of a hospital）
    #[command(subcommand)]
    User(UserCommand),
    /// 审计日志（tamper-evident audit log）
    #[command(subcommand)]
    Audit(AuditCommand),
    /// 配置（configuration）
    #[command(subcommand)]
    Config(ConfigCommand),
    /// 健康检查（health check for containers）：请求 {URL}/healthz，返回 200 时退出码为 0，否则为 1
    Healthcheck {
        /// 服务地址（base URL），如 http://127.0.0.1:8080；默认取配置中的 listen
        #[arg(long, value_name = "URL")]
        url: Option<String>,
    },
}

#[derive(Subcommand)]
enum HospitalCommand {
    /// 创建医院（create a hospital）
    Create {
        /// 医院编码（hospital code），2–32 位字母、数字、- 或 _
        #[arg(long)]
        code: String,
        /// 医院名称（hospital name）
        #[arg(long)]
        name: String,
        /// 医院等级（grade），如 三级甲等
        #[arg(long)]
        grade: Option<String>,
    },
    /// 列出所有医院（list hospitals）
    List,
}

#[derive(Subcommand)]
enum UserCommand {
    /// 添加用户（add a user）；密码取自环境变量 HOPS_USER_PASSWORD 或标准输入的一行
    Add {
        /// 医院编码（hospital code）
        #[arg(long, value_name = "CODE")]
        hospital: String,
        /// 用户名（username），3–32 位字母、数字或 . _ -
        #[arg(long, value_name = "U")]
        username: String,
        /// 姓名（display name）
        #[arg(long, value_name = "NAME")]
        name: String,
        /// 角色（role）：platform_admin 平台管理员, hospital_admin 医院管理员, operator 运营专员, agent 客服/医助, content_reviewer 内容审核, doctor 医生, nurse 护士, finance 财务, auditor 审计员
        #[arg(long, value_name = "ROLE", value_parser = parse_role)]
        role: Role,
    },
    /// 列出某医院的用户（list users of a hospital）
    List {
        /// 医院编码（hospital code）
        #[arg(long, value_name = "CODE")]
        hospital: String,
    },
    /// 重置密码（reset a password）；新密码取自环境变量 HOPS_USER_PASSWORD 或标准输入的一行，该用户的会话全部失效
    ResetPassword {
        /// 医院编码（hospital code）
        #[arg(long, value_name = "CODE")]
        hospital: String,
        /// 用户名（username）
        #[arg(long, value_name = "U")]
        username: String,
    },
    /// 解除动态验证码绑定（reset TOTP, e.g. lost phone）；该用户下次登录时重新绑定，会话全部失效
    ResetTotp {
        /// 医院编码（hospital code）
        #[arg(long, value_name = "CODE")]
        hospital: String,
        /// 用户名（username）
        #[arg(long, value_name = "U")]
        username: String,
    },
}

#[derive(Subcommand)]
enum CheckupCommand {
    /// 配置审核（configuration audit）：逐行列出体检目录中的矛盾及其类别；未发现矛盾时退出码为 0，否则为 1
    Audit {
        /// 医院编码（hospital code）；默认为唯一的医院，有多家时为演示医院 demo
        #[arg(long, value_name = "CODE")]
        hospital: Option<String>,
    },
    /// 导出体检目录（export the catalogue）：项目、套餐、规则、资源四个工作表的 Excel 文件
    Export {
        /// 输出文件（.xlsx）
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// 医院编码（hospital code）；默认为唯一的医院，有多家时为演示医院 demo
        #[arg(long, value_name = "CODE")]
        hospital: Option<String>,
    },
    /// 导入体检目录（import the catalogue）：按编码新增或更新，整批校验，有误则列出每个问题、不导入任何内容并以 1 退出
    Import {
        /// 导出格式的 Excel 文件（.xlsx）
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// 医院编码（hospital code）；默认为唯一的医院，有多家时为演示医院 demo
        #[arg(long, value_name = "CODE")]
        hospital: Option<String>,
    },
}

#[derive(Subcommand)]
enum KbCommand {
    /// 评测智能问答（evaluate the FAQ bot）：与 BM25 基线并排比较 top-1 准确率、MRR@10、误答率、错答率和每个问题的延迟；无需数据库
    Eval {
        /// 知识库文件（CSV，导入格式：question,variants,answer,category；问法之间用 | 分隔）
        #[arg(value_name = "KB_FILE")]
        kb: PathBuf,
        /// 查询文件（CSV：query,expected，expected 为应命中文章的标准问题，留空表示无可答文章；或同字段的 JSONL）
        #[arg(value_name = "QUERIES_FILE")]
        queries: PathBuf,
        /// 用不重复的合成文章把索引补足到 N 篇，再测一次延迟（pad the index to N articles），如 10000
        #[arg(long, value_name = "N")]
        pad_to: Option<usize>,
        /// 列出机器人的错答与误答（list the bot's wrong and false answers）
        #[arg(long)]
        misses: bool,
    },
    /// 导入知识库（import the knowledge base）：CSV 或 XLSX，列为 question,variants,answer,category[,status]（问法之间用 | 分隔）；相同标准问题生成新版本；整批校验，有误则列出每个问题、不导入任何内容并以 1 退出
    Import {
        /// 知识库文件（.csv 或 .xlsx）
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// 医院编码（hospital code）；默认为唯一的医院，有多家时为演示医院 demo
        #[arg(long, value_name = "CODE")]
        hospital: Option<String>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// 校验审计日志（verify every hospital's hash chain）：完整时退出码为 0，发现篡改时列出问题并以 2 退出
    Verify,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// 检查配置（check configuration）：显示生效的配置（密钥已隐去），并尝试连接数据库
    Check,
    /// 输出带注释的示例配置文件（print an example configuration file）
    Example,
}

fn parse_role(s: &str) -> Result<Role, String> {
    let s = s.trim();
    Role::from_code(s).or_else(|| Role::ALL.into_iter().find(|r| r.label_zh() == s)).ok_or_else(|| {
        let all: Vec<String> = Role::ALL.iter().map(|r| format!("{}（{}）", r.code(), r.label_zh())).collect();
        format!("未知角色，可选: {}", all.join("、"))
    })
}

/// Global options every command shares.
pub struct Globals {
    config: Option<PathBuf>,
    data: Option<PathBuf>,
}

impl Globals {
    /// Loads the configuration; `--data` takes the place of `HOPS_DATA`, so the key file and
    /// database follow it unless set explicitly.
    pub fn load(&self) -> anyhow::Result<Config> {
        let data = self.data.as_ref().map(|d| d.to_string_lossy().into_owned());
        let env = |key: &str| -> Option<String> {
            if key == "HOPS_DATA"
                && let Some(d) = &data
            {
                return Some(d.clone());
            }
            std::env::var(key).ok().filter(|v| !v.is_empty())
        };
        Config::load(Sources { file: self.config.as_deref(), env: &env })
    }

    /// Loads the configuration and starts logging to stderr with its filter.
    pub fn load_and_log(&self) -> anyhow::Result<Config> {
        let config = self.load()?;
        init_logging(&config.log)?;
        Ok(config)
    }

    pub fn data_flag(&self) -> Option<&Path> {
        self.data.as_deref()
    }
}

fn init_logging(filter: &str) -> anyhow::Result<()> {
    // PostgreSQL's notices ("relation … already exists, skipping" on every migration check) are
    // noise at info; they stay visible when the operator's filter names sqlx explicitly.
    let directives = if filter.contains("sqlx") { filter.to_string() } else { format!("{filter},sqlx::postgres::notice=warn") };
    let filter = tracing_subscriber::EnvFilter::try_new(&directives).map_err(|e| anyhow::anyhow!("日志设置 log = {filter:?} 无效: {e}"))?;
    // A second initialisation (tests) is harmless.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).try_init();
    Ok(())
}

/// Gives clap's own help texts Chinese headings, in every subcommand.
fn localize(cmd: clap::Command) -> clap::Command {
    cmd.help_template("{about-with-newline}\n用法（usage）: {usage}\n\n{all-args}{after-help}")
        .subcommand_help_heading("命令（commands）")
        .subcommand_value_name("命令")
        .mut_args(|a| if a.get_help_heading().is_none() && !a.is_positional() { a.help_heading("选项（options）") } else { a })
        .mut_subcommands(localize)
}

/// Parses the command line, runs the command and turns the outcome into an exit code:
/// 0 success, 1 error (printed as `错误: …`), 2 audit findings; clap's own for usage mistakes.
pub async fn run() -> ExitCode {
    let matches = localize(Cli::command()).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let globals = Globals { config: cli.config, data: cli.data };
    let outcome = match cli.command {
        Command::Serve { listen } => run::serve(&globals, listen).await,
        Command::Migrate => run::migrate(&globals).await,
        Command::Demo { listen, scale, no_serve } => run::demo(&globals, listen, scale, no_serve).await,
        Command::Init { hospital_code, hospital_name, grade, admin, admin_name } => {
            admin::init(&globals, &hospital_code, &hospital_name, grade.as_deref(), &admin, &admin_name).await
        }
        Command::Hospital(HospitalCommand::Create { code, name, grade }) => {
            admin::hospital_create(&globals, &code, &name, grade.as_deref()).await
        }
        Command::Import { kind, file, hospital, skip_bad } => import::run(&globals, &kind, &file, hospital.as_deref(), skip_bad).await,
        Command::Report { period, at, format, out, hospital } => {
            report::run(&globals, &period, at.as_deref(), format.as_deref(), &out, hospital.as_deref()).await
        }
        Command::Checkup(CheckupCommand::Audit { hospital }) => checkup::audit(&globals, hospital.as_deref()).await,
        Command::Checkup(CheckupCommand::Export { file, hospital }) => checkup::export(&globals, &file, hospital.as_deref()).await,
        Command::Checkup(CheckupCommand::Import { file, hospital }) => checkup::import(&globals, &file, hospital.as_deref()).await,
        Command::Kb(KbCommand::Eval { kb: kb_file, queries, pad_to, misses }) => kb::eval(&kb_file, &queries, pad_to, misses),
        Command::Kb(KbCommand::Import { file, hospital }) => kb::import(&globals, &file, hospital.as_deref()).await,
        Command::Hospital(HospitalCommand::List) => admin::hospital_list(&globals).await,
        Command::User(UserCommand::Add { hospital, username, name, role }) => {
            admin::user_add(&globals, &hospital, &username, &name, role).await
        }
        Command::User(UserCommand::List { hospital }) => admin::user_list(&globals, &hospital).await,
        Command::User(UserCommand::ResetPassword { hospital, username }) => {
            admin::user_reset_password(&globals, &hospital, &username).await
        }
        Command::User(UserCommand::ResetTotp { hospital, username }) => admin::user_reset_totp(&globals, &hospital, &username).await,
        Command::Audit(AuditCommand::Verify) => check::audit_verify(&globals).await,
        Command::Config(ConfigCommand::Check) => check::config_check(&globals).await,
        Command::Config(ConfigCommand::Example) => {
            print!("{}", hops_platform::config::EXAMPLE);
            Ok(ExitCode::SUCCESS)
        }
        Command::Healthcheck { url } => check::healthcheck(&globals, url.as_deref()).await,
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误: {}", term::explain(&e));
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_is_well_formed() {
        localize(Cli::command()).debug_assert();
    }

    #[test]
    fn roles_by_code_or_label() {
        assert_eq!(parse_role("operator"), Ok(Role::Operator));
        assert_eq!(parse_role("医生"), Ok(Role::Doctor));
        assert!(parse_role("boss").unwrap_err().contains("hospital_admin"));
    }
}
