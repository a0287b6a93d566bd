/** Command-line plumbing for running a loopback fake on its own (`ts-node test/support/fakeX.ts --port N ...`). */

/** The value after `--name` on the command line, if given. */
export function cliArg(name: string): string | undefined {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Prints `banner`, then closes `fake` and exits 0 on SIGTERM or SIGINT. */
export function serveUntilSignal(fake: { close(): Promise<void> }, banner: string): void {
    process.stdout.write(`${banner}\n`);
    const stop = () => void fake.close().then(() => process.exit(0));
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
}
