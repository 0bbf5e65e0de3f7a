// Serves dynalite in memory on a free loopback port for the Go tests (see pkg/state/dynamo/dynamotest).
// Unlike dynalite's cli.js it can listen on port 0 and prints the port it got, so parallel test binaries
// never race for a port, and it exits when its stdin closes, so it never outlives the test process.
const dynalite = require('dynalite')

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`)
})
process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
