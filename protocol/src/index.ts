// Ferry's protocol package: errors, the transfer token, and (as they land) the UDP fast-transfer core and driver.
export * from './errors/ferry-error.js'
export * from './token/transfer-token.js'
export * from './token/transfer-receipt.js'
