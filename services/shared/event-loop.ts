/**
 * Lets the event loop answer what is waiting (requests, timers) before a long synchronous pass goes on.
 * better-sqlite3 answers synchronously, so a loop of awaited reads never gives way by itself: a
 * checkpointer tick over an import's 20,000 events held the complaint subgraph's requests for seconds.
 */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
