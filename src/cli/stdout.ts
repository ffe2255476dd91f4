// Writing results to stdout and waiting until they are handed to the OS, so exiting right after loses nothing
// (pipes are asynchronous on some platforms) and a closed pipe (`| head`) ends the command quietly.

export function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (error) => {
      if (!error || (error as NodeJS.ErrnoException).code === 'EPIPE') resolve();
      else reject(error);
    });
  });
}
