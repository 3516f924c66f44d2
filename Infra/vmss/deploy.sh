#!/usr/bin/env bash
# Deploys the GPU scale set and its queue-driven autoscale into an existing resource group.
#   Infra/vmss/deploy.sh RESOURCE_GROUP STORAGE_ACCOUNT IMAGE SUBNET_ID IDENTITY_ID SSH_PUBLIC_KEY_FILE [QUEUE]
# The user-assigned identity needs queue message processor/sender and blob data contributor roles on the account.
set -euo pipefail
(($# >= 6)) || { sed -n 2,4p "$0" >&2; exit 2; }
rg="$1" account="$2" image="$3" subnet="$4" identity="$5" key="$6" queue="${7:-scorebatch-jobs}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
custom_data="$(sed -e "s#@IMAGE@#$image#g" -e "s#@ACCOUNT@#$account#g" -e "s#@QUEUE@#$queue#g" "$here/cloud-init.yaml" | base64 -w0)"
az deployment group create --resource-group "$rg" --template-file "$here/scorebatch-vmss.json" --parameters \
  storageAccountName="$account" queueName="$queue" subnetId="$subnet" identityId="$identity" \
  sshPublicKey="$(cat "$key")" customData="$custom_data"
