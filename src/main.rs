use std::process::ExitCode;

fn main() -> ExitCode {
    aop_wizard::cli::main()
}
