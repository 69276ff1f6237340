import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DYNAMODB_WRITE_COMMANDS, LostAnswerError, loseAnswersOfWrites } from '../../../../local/fidelity/lost-answers';

/** A stand-in on 127.0.0.1 that applies every request it gets (it records them) and answers 200 with `{}`. */
let server: Server;
let received: string[];
let endpoint: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    received.push(String(request.headers['x-amz-target']));
    request
      .resume()
      .on('end', () => response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  received = [];
});

const newClient = () =>
  new DynamoDBClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });

const sequence = (...values: number[]) => {
  let index = 0;
  return () => values[index++] ?? 0.99;
};

describe('loseAnswersOfWrites', () => {
  it('applies a write, loses its answer, and the SDK sends the same write again', async () => {
    // Prepare
    const client = newClient();
    const lost: string[] = [];
    loseAnswersOfWrites(client, {
      random: sequence(0),
      probability: 0.5,
      writeCommands: DYNAMODB_WRITE_COMMANDS,
      onLost: (name) => lost.push(name),
    });

    // Act
    await client.send(new PutItemCommand({ TableName: 't', Item: { pk: { S: 'a' } } }));

    // Assess: the stand-in applied the write twice; the caller saw success.
    expect(received).toEqual(['DynamoDB_20120810.PutItem', 'DynamoDB_20120810.PutItem']);
    expect(lost).toEqual(['PutItemCommand']);
  });

  it('never touches a read', async () => {
    const client = newClient();
    loseAnswersOfWrites(client, { random: () => 0, probability: 1, writeCommands: DYNAMODB_WRITE_COMMANDS });

    await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }));

    expect(received).toEqual(['DynamoDB_20120810.GetItem']);
  });

  it('lets the caller see the error when every attempt loses its answer, each one applied', async () => {
    const client = newClient();
    loseAnswersOfWrites(client, { random: () => 0, probability: 1, writeCommands: DYNAMODB_WRITE_COMMANDS });

    await expect(client.send(new PutItemCommand({ TableName: 't', Item: { pk: { S: 'a' } } }))).rejects.toBeInstanceOf(
      LostAnswerError,
    );

    expect(received).toHaveLength(3);
  });
});
