// The BeanstalkApp sample's worker tier. The worker environment's SQS daemon (sqsd) receives each message
// from the queue and POSTs its body to http://localhost/ (nginx proxies to PORT). A 200 deletes the message;
// any other answer leaves it for a retry, and after the queue's maxReceiveCount it goes to the dead-letter queue.
const http = require('node:http');

const port = Number(process.env.PORT || 8080);

http
  .createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.method !== 'POST') {
        res.writeHead(200).end('worker\n');
        return;
      }
      try {
        const job = JSON.parse(body);
        console.log(`processed job ${req.headers['x-aws-sqsd-msgid']}: ${JSON.stringify(job)}`);
        res.writeHead(200).end();
      } catch (e) {
        console.error(`rejected message ${req.headers['x-aws-sqsd-msgid']}: ${e.message}`);
        res.writeHead(400).end();
      }
    });
  })
  .listen(port, () => console.log(`listening on ${port}`));
