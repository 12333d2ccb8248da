import type pg from 'pg';

/**
 * Several statements in ONE simple query, with the data of each `COPY … FROM STDIN` among them sent in the same
 * write as the query (issue 23, window writes): one round trip for a whole window, without waiting for each COPY's
 * CopyInResponse before its data goes out (pg-copy-streams waits: one more turn-around per COPY).
 *
 * This is what the protocol allows: the server reads a COPY's data from the connection when it reaches that COPY;
 * CopyData and CopyDone messages that arrive outside copy mode — after an earlier statement of the query failed,
 * which ends the whole query — are read and dropped (PostgreSQL's protocol: "any subsequent CopyData, CopyDone, or
 * CopyFail messages issued by the frontend will simply be dropped"). So `data[i]` belongs to the i-th COPY of
 * `text`; an error anywhere rejects with the server's error (code kept), the rest of the text is not run, and a
 * transaction block begun in `text` is left aborted for the caller's ROLLBACK.
 *
 * Used through `client.query(new PipelinedQuery(text, data)).done` (a pg "Submittable", like pg-copy-streams).
 * Result rows of statements in `text` are ignored.
 */
export class PipelinedQuery implements pg.Submittable {
  readonly done: Promise<void>;
  private resolve!: () => void;
  private reject!: (err: Error) => void;
  private settled = false;

  constructor(
    readonly text: string,
    private readonly data: readonly Buffer[],
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: pg.Connection): void {
    const stream = connection.stream;
    stream.cork();
    try {
      connection.query(this.text);
      for (const d of this.data) {
        const head = Buffer.allocUnsafe(5);
        head[0] = 0x64; // 'd' CopyData
        head.writeUInt32BE(d.length + 4, 1);
        stream.write(head);
        stream.write(d);
        stream.write(COPY_DONE);
      }
    } finally {
      stream.uncork();
    }
  }

  /** pg's query_timeout wraps this; it is called when the query ends either way. */
  callback(): void {}

  handleCopyInResponse(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}

  handleError(err: Error): void {
    this.callback();
    if (this.settled) return;
    this.settled = true;
    this.reject(err);
  }

  handleReadyForQuery(): void {
    this.callback();
    if (this.settled) return;
    this.settled = true;
    this.resolve();
  }
}

const COPY_DONE = Buffer.from([0x63, 0, 0, 0, 4]); // 'c' CopyDone
