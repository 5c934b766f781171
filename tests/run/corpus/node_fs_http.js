// A clean node program: files, a server and a client, all closed.
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

const file = path.join(os.tmpdir(), `fdaudit-node-${process.pid}.txt`);
fs.writeFileSync(file, 'hello');
const fd = fs.openSync(file, 'r');
fs.closeSync(fd);
fs.unlinkSync(file);

const server = http.createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  http.get({ host: '127.0.0.1', port, agent: false }, (res) => {
    res.resume();
    res.on('end', () => server.close());
  });
});
