//! The command line's grammar.

use std::path::PathBuf;

use anomseq_io::Format;
use anomseq_sessionize::Duration;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Find anomalous sessions in security logs: sessionize events per user, model
/// sessions as a Markov chain over commands, score each by its rarest window.
#[derive(Debug, Parser)]
#[command(name = "anomseq", version, about, long_about = None, after_help = "Start with `anomseq demo`.")]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Args)]
pub(crate) struct Global {
    /// Worker threads (default: one per core; at most 4 per core).
    #[arg(long, global = true, value_name = "N", value_parser = parse_threads)]
    pub(crate) threads: Option<usize>,
    /// No progress bars and no summary line.
    #[arg(long, short, global = true)]
    pub(crate) quiet: bool,
    /// Write CSV cells exactly as they are, for programs that read them back. By
    /// default a text cell starting with =, +, -, @, a tab or a carriage return gets
    /// a leading ' so that a spreadsheet shows it as text and never runs it.
    #[arg(long, global = true)]
    pub(crate) raw_csv: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the whole pipeline on the bundled Exchange demo logs and print the 10 rarest sessions.
    #[command(after_help = "Example:\n  anomseq demo --out demo-out")]
    Demo {
        /// Folder for the output files.
        #[arg(long, default_value = "anomseq-demo")]
        out: PathBuf,
    },
    /// Group raw events into sessions per user (max session length, max gap between events).
    #[command(
        after_help = "Example:\n  anomseq sessionize logs.csv --user-cols UserId,ClientIP --time-col TimeGenerated \\\n    --event-col Operation --params-col Parameters --params-format exchange --values \\\n    --max-session 20m --max-gap 2m -o sessions.parquet"
    )]
    Sessionize(SessionizeArgs),
    /// Train a model on sessions and save it.
    #[command(
        after_help = "Examples:\n  anomseq train sessions.parquet -o model.json\n  anomseq train traces.parquet --order 7 -o model.json   # then: score --model model.json --mode ngram"
    )]
    Train {
        /// Sessions file (CSV, Parquet, Arrow IPC, NDJSON).
        sessions: PathBuf,
        #[command(flatten)]
        input: SessionsInput,
        /// Parameters whose values are modelled (default: msticpy's heuristic).
        #[arg(long, value_delimiter = ',', value_name = "A,B")]
        modellable_params: Option<Vec<String>>,
        /// The highest n-gram order the model keeps for the improved modes, 1 to 8
        /// (7 suits `--mode ngram` on long traces such as system calls).
        #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=8))]
        order: u64,
        /// Model file to write.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Merge saved models into one: the model of all their sessions, bit for bit.
    #[command(
        after_help = "Example:\n  anomseq merge monday.json tuesday.json wednesday.json -o week.json\n\nThe result equals training on the sessions of all the models, in the order given."
    )]
    Merge {
        /// Model files (from `anomseq train` or `anomseq merge`), at least two.
        #[arg(required = true, num_args = 2..)]
        models: Vec<PathBuf>,
        /// Model file to write.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Score sessions: msticpy's rarest-window likelihood, or an improved mode (--mode).
    #[command(
        after_help = "Examples:\n  anomseq score sessions.parquet -o scored.parquet --top 10\n  anomseq score today.parquet --model model.json --window 3 -o scored.csv\n  anomseq score sessions.parquet --mode profile --top 10 -o scored.parquet"
    )]
    Score(ScoreArgs),
    /// Draw scored sessions on an interactive timeline (one offline HTML file).
    #[command(
        after_help = "Example:\n  anomseq plot scored.parquet --time-col TimeGenerated_min --source-cols UserId,ClientIP --upper-bound 0.001 -o timeline.html"
    )]
    Plot(PlotArgs),
    /// Sessionize, score and report in one go: raw events in, an HTML report out.
    #[command(
        after_help = "Example:\n  anomseq run logs.csv --user-cols UserId,ClientIP --time-col TimeGenerated --event-col Operation --window 3 -o report.html"
    )]
    Run(RunArgs),
}

#[derive(Debug, Args)]
pub(crate) struct PlotArgs {
    /// Scored sessions file (from `anomseq score`; CSV, Parquet, Arrow IPC, NDJSON).
    pub(crate) scored: PathBuf,
    /// Input format (default: from the extension).
    #[arg(long, value_parser = parse_format)]
    pub(crate) format: Option<Format>,
    /// Time column of each session (x axis).
    #[arg(long)]
    pub(crate) time_col: String,
    /// Score column (default: the one `rarest_window{k}_likelihood` column).
    #[arg(long)]
    pub(crate) score_col: Option<String>,
    /// Rarest-window column (default: `rarest_window{k}` matching the score).
    #[arg(long)]
    pub(crate) window_col: Option<String>,
    /// Show only sessions at least as rare as this score (at most it for likelihoods;
    /// at least it for the `profile_*` columns and other `*_score` columns, where
    /// higher is rarer).
    #[arg(long, value_name = "X")]
    pub(crate) upper_bound: Option<f64>,
    /// Columns shown in the tooltip.
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    pub(crate) source_cols: Vec<String>,
    #[command(flatten)]
    pub(crate) chart: ChartArgs,
    /// HTML file to write.
    #[arg(short, long)]
    pub(crate) output: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    pub(crate) sessionize: SessionizeArgs,
    /// Window length.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) window: u64,
    /// Rows in the report's table of the rarest sessions.
    #[arg(long, default_value_t = 50)]
    pub(crate) top: usize,
    /// Score with this saved model (default: train on the same sessions, as msticpy does).
    #[arg(long)]
    pub(crate) model: Option<PathBuf>,
    /// Draw only sessions at least as rare as this score (at most it for the
    /// likelihood; at least it with `--mode profile`, `novelty` or `ngram`, where higher is rarer).
    #[arg(long, value_name = "X")]
    pub(crate) upper_bound: Option<f64>,
    /// `reference` (msticpy's rarest-window likelihood), `profile` (count profiles and
    /// n-grams, higher = rarer), `novelty` (`profile` plus unseen parameters, values
    /// and parameter sets, higher = rarer) or `ngram` (mean surprise per event under a
    /// Kneser–Ney n-gram model, higher = rarer: for long traces); with --model, from
    /// the saved model's state.
    #[arg(long, default_value = "reference", value_parser = ["reference", "profile", "novelty", "ngram"])]
    pub(crate) mode: String,
    /// The `ngram` mode's n-gram order, 1 to 8 (default: the order the saved model
    /// keeps; without --model, 3).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=8))]
    pub(crate) order: Option<u64>,
    /// Also write the HTML report here (when -o names a data file).
    #[arg(long, value_name = "FILE")]
    pub(crate) report: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) chart: ChartArgs,
}

/// How the timeline draws many sessions.
#[derive(Debug, Args)]
pub(crate) struct ChartArgs {
    /// Colour the timeline's points by this column's values.
    #[arg(long, value_name = "COLUMN")]
    pub(crate) colour_by: Option<String>,
    /// Draw at most this many sessions as points, the rarest; the others as a band with counts.
    #[arg(long, value_name = "N", default_value_t = anomseq::viz::DEFAULT_MAX_POINTS, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub(crate) max_points: usize,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ParamsFormat {
    /// A JSON list of `{"Name": .., "Value": ..}` objects (Exchange admin logs).
    Exchange,
    /// A JSON object of parameters (CloudTrail `requestParameters`).
    Object,
}

#[derive(Debug, Args)]
pub(crate) struct SessionizeArgs {
    /// Events file (CSV, Parquet, Arrow IPC, NDJSON).
    pub(crate) input: PathBuf,
    /// Input format (default: from the extension).
    #[arg(long, value_parser = parse_format)]
    pub(crate) format: Option<Format>,
    /// Columns that identify a user (a session never spans two users).
    #[arg(long, value_delimiter = ',', required = true, value_name = "A,B")]
    pub(crate) user_cols: Vec<String>,
    /// Timestamp column (RFC 3339, `YYYY-MM-DD HH:MM:SS[.fff]` as UTC, an Arrow timestamp, or epoch numbers).
    #[arg(long)]
    pub(crate) time_col: String,
    /// Unit of an epoch-number timestamp column.
    #[arg(long, value_parser = ["s", "ms", "us", "ns"])]
    pub(crate) epoch_unit: Option<String>,
    /// Column of command names.
    #[arg(long)]
    pub(crate) event_col: String,
    /// Column of parameters, as JSON (see --params-format).
    #[arg(long, conflicts_with = "param_cols")]
    pub(crate) params_col: Option<String>,
    /// How --params-col is written.
    #[arg(long, value_enum, default_value = "exchange", requires = "params_col")]
    pub(crate) params_format: ParamsFormat,
    /// Columns whose values become the parameters.
    #[arg(long, value_delimiter = ',', value_name = "X,Y")]
    pub(crate) param_cols: Option<Vec<String>>,
    /// Keep parameter values (else parameter names only).
    #[arg(long)]
    pub(crate) values: bool,
    /// Longest session, from its first event (`20m`, `90s`, `1h30m`).
    #[arg(long, default_value = "20m")]
    pub(crate) max_session: Duration,
    /// Longest gap between two events of a session.
    #[arg(long, default_value = "2m")]
    pub(crate) max_gap: Duration,
    /// Input already in time order: stream it, in memory bounded by the open sessions
    /// (`run`: with --model, each session scored and written as it closes).
    #[arg(long)]
    pub(crate) stream: bool,
    /// Skip bad rows, writing them with their reasons to this file (else a bad row is an error).
    #[arg(long, value_name = "FILE")]
    pub(crate) skip_bad_rows: Option<PathBuf>,
    /// Output file: the sessions (format from the extension); for `run`, the HTML
    /// report when it ends in `.html`, else the scored sessions (any data format).
    #[arg(short, long)]
    pub(crate) output: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct SessionsInput {
    /// Column holding each session's events (default: the one column ending in `_list`, else `events`).
    #[arg(long)]
    pub(crate) session_col: Option<String>,
    /// Input format (default: from the extension).
    #[arg(long, value_parser = parse_format)]
    pub(crate) format: Option<Format>,
}

#[derive(Debug, Args)]
pub(crate) struct ScoreArgs {
    /// Sessions file (CSV, Parquet, Arrow IPC, NDJSON).
    pub(crate) sessions: PathBuf,
    #[command(flatten)]
    pub(crate) input: SessionsInput,
    /// Score with this saved model (default: train on the same sessions, as msticpy does).
    #[arg(long)]
    pub(crate) model: Option<PathBuf>,
    /// Window length.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) window: u64,
    /// Do not add the start and end tokens to the reference model's windows (the
    /// improved modes always score the session's start and end).
    #[arg(long)]
    pub(crate) no_tokens: bool,
    /// Raise each window likelihood to 1/window.
    #[arg(long)]
    pub(crate) geo_mean: bool,
    /// Also write session likelihoods, their geometric means and log-likelihoods.
    #[arg(long)]
    pub(crate) all_scores: bool,
    /// Print the N rarest sessions.
    #[arg(long, value_name = "N")]
    pub(crate) top: Option<usize>,
    /// `reference`: msticpy's rarest-window likelihood (lower = rarer). `profile`:
    /// also the improved count-profile + n-gram score (higher = rarer; columns
    /// `profile_score`, `profile_distance`, `profile_surprise`). `novelty`: the
    /// `profile` score plus how new the parameters, categorical values and parameter
    /// sets are (columns `novelty_score`, `novelty_distance`, `novelty_surprise`,
    /// `novelty_params`). `ngram`: the mean surprise per event under a (modified)
    /// Kneser–Ney n-gram model, for long traces such as system calls (columns
    /// `ngram_score`, `ngram_surprise`). With --model, scored from the saved model's
    /// state; without, trained on the sessions given. See docs/quality.md.
    #[arg(long, default_value = "reference", value_parser = ["reference", "profile", "novelty", "ngram"])]
    pub(crate) mode: String,
    /// The `ngram` mode's n-gram order, 1 to 8 (default: the order the saved model
    /// keeps; without --model, 3).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=8))]
    pub(crate) order: Option<u64>,
    /// Scored sessions file to write (format from the extension, or --output-format);
    /// `-` writes to standard output; optional with --top.
    #[arg(short, long, required_unless_present = "top")]
    pub(crate) output: Option<PathBuf>,
    /// Format of -o (csv, parquet, arrow, arrows, ndjson): needed with `-o -`.
    #[arg(long, value_parser = parse_format)]
    pub(crate) output_format: Option<Format>,
}

fn parse_threads(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("at least 1 thread".to_owned()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("`{s}` is not a number of threads ({e})")),
    }
}

fn parse_format(s: &str) -> Result<Format, String> {
    match s {
        "csv" => Ok(Format::Csv),
        "parquet" => Ok(Format::Parquet),
        "arrow" | "ipc" | "feather" => Ok(Format::ArrowFile),
        "arrows" | "ipc-stream" => Ok(Format::ArrowStream),
        "ndjson" | "jsonl" | "json" => Ok(Format::Ndjson),
        other => Err(format!("unknown format `{other}` (csv, parquet, arrow, arrows, ndjson)")),
    }
}
