// A mail server for the browser tests, on loopback: it speaks enough SMTP for civiforge's
// client (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and writes each message it receives to
// a numbered .eml file in the folder it is given. Usage: node smtp-capture.mjs PORT DIR
import { createServer } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [port, dir] = process.argv.slice(2);
mkdirSync(dir, { recursive: true });
let count = 0;

createServer((socket) => {
  let buffer = '';
  let inData = false;
  let data = [];
  const reply = (line) => socket.write(`${line}\r\n`);
  reply('220 browser-tests ESMTP');
  socket.on('data', (chunk) => {
    buffer += chunk.toString('utf8');
    let end;
    while ((end = buffer.indexOf('\r\n')) !== -1) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (inData) {
        if (line === '.') {
          inData = false;
          count += 1;
          writeFileSync(join(dir, `${String(count).padStart(4, '0')}.eml`), data.join('\r\n'));
          data = [];
          reply('250 queued');
        } else {
          data.push(line.startsWith('.') ? line.slice(1) : line);
        }
        continue;
      }
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO') socket.write('250-browser-tests\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n');
      else if (verb === 'DATA') { inData = true; reply('354 end with .'); }
      else if (verb === 'QUIT') { reply('221 bye'); socket.end(); }
      else if (['HELO', 'MAIL', 'RCPT', 'RSET', 'NOOP'].includes(verb)) reply('250 ok');
      else reply('502 not implemented');
    }
  });
  socket.on('error', () => {});
}).listen(Number(port), '127.0.0.1');
