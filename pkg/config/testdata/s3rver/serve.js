// Serves s3rver on a free loopback port for the Go tests of configuration sources (see
// pkg/config's s3 tests). Like dynalite's serve.js it listens on port 0, prints the port it got, keeps
// its objects in a fresh temporary folder, and exits (removing the folder) when its stdin closes, so it
// never outlives the test process.
const fs = require('fs')
const os = require('os')
const path = require('path')
const S3rver = require('s3rver')

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'bsswatch-s3rver-'))
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory })
server.run().then((addr) => {
  process.stdout.write(`listening ${addr.port}\n`)
})
process.stdin.on('end', () => {
  fs.rmSync(directory, { recursive: true, force: true })
  process.exit(0)
})
process.stdin.resume()
