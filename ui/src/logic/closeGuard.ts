// Closing the window with unsaved edits asks first, as leaving a screen does.

/** The part of Tauri's close-requested event the guard uses. */
export interface CloseRequest {
  preventDefault(): void
}

/**
 * A close-requested handler: keeps the window open unless `mayLeave`
 * (which asks the caseworker when there is something unsaved) agrees.
 */
export function closeGuard(mayLeave: () => Promise<boolean>) {
  return async (event: CloseRequest): Promise<void> => {
    let leave = false
    try {
      leave = await mayLeave()
    } catch {
      leave = false // a failed question never throws away typed data
    }
    if (!leave) event.preventDefault()
  }
}
