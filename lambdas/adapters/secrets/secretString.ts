import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** A secret's string from Secrets Manager, read once per cold start by the function that needs it. */
export async function readSecretString(
  secretArn: string,
  env: NodeJS.ProcessEnv,
  client?: SecretsManagerClient,
): Promise<string | undefined> {
  const secrets = client ?? new SecretsManagerClient(env.AWS_REGION ? { region: env.AWS_REGION } : {});
  return (await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString;
}
