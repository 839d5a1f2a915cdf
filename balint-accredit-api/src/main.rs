//! `balint-accredit`: parse the command line, set up logging, run.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use balint_accredit_api::cli::{AdminCommand, AdminCreate, Cli, Command};
use balint_accredit_api::{admin, cli, db, telemetry, Application};

/// Exit codes: 0 done; 1 the job failed; 2 the command line was wrong, as
/// clap answers a usage error, and also when it names a database that is
/// not there (only `serve`, `migrate` and `restore` create one); 3 to 6 a
/// backup or restore refused (see `db::backup::BackupError::exit_code`);
/// 3 also when `check` finds a problem.
fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            // The whole cause chain, without a backtrace: this is for people.
            eprintln!("error: {e:#}");
            if e.chain().any(|cause| cause.is::<db::NoDatabase>()) {
                ExitCode::from(2)
            } else if let Some(refused) = e
                .chain()
                .find_map(|cause| cause.downcast_ref::<db::backup::BackupError>())
            {
                ExitCode::from(refused.exit_code())
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    // No command means `serve`.
    let command = cli.command.unwrap_or(Command::Serve(Box::new(cli.serve)));
    match command {
        Command::Serve(settings) => {
            telemetry::init(&settings.log_level, settings.log_format);
            actix_web::rt::System::new().block_on(async move {
                let app = Application::build((*settings).clone()).await?;
                tracing::info!(
                    address = %settings.bind.ip(),
                    port = app.port(),
                    "serving the Balint accreditation API"
                );
                app.run_until_stopped().await?;
                Ok(ExitCode::SUCCESS)
            })
        }
        Command::Migrate(database) => {
            let applied = admin::migrate(&database)?;
            if applied.is_empty() {
                println!("The database is up to date.");
            } else {
                for name in applied {
                    println!("applied {name}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin(AdminCommand::Create(args)) => {
            create_admin(args).map(|()| ExitCode::SUCCESS)
        }
        Command::Evaluate(args) => {
            let today = chrono::Utc::now().date_naive();
            // 0 eligible, 1 not eligible, 2 the files could not be used.
            match cli::evaluate::run(&args, today) {
                Ok(report) => {
                    print!("{}", report.text);
                    if !report.eligible {
                        return Ok(ExitCode::from(1));
                    }
                }
                Err(e) => {
                    eprintln!("error: {e:#}");
                    return Ok(ExitCode::from(2));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Ledger(command) => {
            print!("{}", cli::ledger_import::run(&command)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Sessions(command) => {
            print!("{}", cli::sessions_import::run(&command)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Outbox(command) => {
            print!("{}", cli::outbox::run(&command)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Lapse(args) => {
            let today = chrono::Utc::now().date_naive();
            print!("{}", cli::register_io::lapse(&args, today)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(args) => {
            let report = cli::register_io::import(&args)?;
            println!(
                "Imported {}: {} entries created, {} extended, {} unchanged; {} people added.",
                args.file.display(),
                report.created,
                report.extended,
                report.unchanged,
                report.people_created
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup(args) => {
            print!("{}", cli::backup::backup(&args)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore(args) => {
            print!("{}", cli::backup::restore(&args)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Person(command) => {
            print!("{}", cli::personal_data::run(&command)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Retention(args) => {
            print!("{}", cli::retention::run(&args)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Check(args) => {
            let report = cli::check::run(&args)?;
            print!("{}", report.text);
            Ok(if report.problems == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(3)
            })
        }
        Command::Export(args) => {
            let today = chrono::Utc::now().date_naive();
            if let Some(text) = cli::register_io::export(&args, today)? {
                print!("{text}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn create_admin(args: AdminCreate) -> anyhow::Result<()> {
    let password = if !args.password_stdin && std::io::stdin().is_terminal() {
        let password = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Password again: ")?;
        if password != again {
            anyhow::bail!("the passwords differ");
        }
        password
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    let user = admin::create_platform_admin(
        &args.database,
        &args.email,
        &password,
        args.password_hashing,
    )?;
    println!(
        "Created platform administrator {} ({})",
        user.email, user.id
    );
    Ok(())
}
