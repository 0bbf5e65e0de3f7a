// Serves local-aws-sqs on a free loopback port for the Go tests of the renewal scan's work queue. Like
// dynalite's serve.js it listens on port 0, prints the port it got, and exits when its stdin closes,
// so it never outlives the test process. Queues are made by the tests (CreateQueue).
const { createSqsServer } = require('local-aws-sqs')

createSqsServer({ port: 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false }).then((server) => {
  process.stdout.write(`listening ${server.address().port}\n`)
})
process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
