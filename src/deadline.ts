/**
 * An AbortSignal that fires when `parent` does or after `ms`, whichever comes first.
 *
 * `AbortSignal.any([parent, AbortSignal.timeout(ms)])` can lose its timer: `any` holds its
 * sources weakly, so after a garbage collection nothing keeps the timeout signal (and its timer)
 * alive, and a hanging request outlives its limit (nodejs/node#57736). Here the timer is an
 * ordinary setTimeout, owned by the event loop until it fires or `clear()` is called, and the
 * parent holds our listener strongly, so the deadline holds whatever the collector does.
 * Call `clear()` when the work ends, so the timer does not keep the process up.
 */
export function deadline(
  parent: AbortSignal | undefined,
  ms: number,
  reason: () => Error = () => new DOMException(`timed out after ${ms} ms`, 'TimeoutError'),
): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const onParent = () => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onParent, { once: true });
  const timer = setTimeout(() => controller.abort(reason()), ms);
  return {
    signal: controller.signal,
    clear() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}

/**
 * Waits for `work` to settle (resolved or rejected: its outcome is the caller's business), at
 * most `ms`. True when it settled in time. The timer is cleared either way.
 */
export async function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(resolve, ms, false);
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
