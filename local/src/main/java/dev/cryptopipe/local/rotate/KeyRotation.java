package dev.cryptopipe.local.rotate;

import java.time.LocalDate;
import java.time.ZoneOffset;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.Tag;

/**
 * Points the stack's alias at a new KMS key. Workers name the alias (KEY_ID), so each wraps its
 * next data key under the new key; data keys made before stay wrapped under the old key until
 * a rekey re-wraps them, which is why the old key is left as it is.
 */
public final class KeyRotation {
    /**
     * On AWS the rekey role may re-wrap from, and describe, only keys with this tag naming the
     * stack (template.yaml, RekeyRole), so a key without it could never be rotated away from.
     */
    public static final String STACK_TAG = "cryptopipe:stack";

    public record Rotated(String alias, String oldKeyArn, String newKeyArn) {
    }

    private final KmsClient kms;

    public KeyRotation(KmsClient kms) {
        this.kms = kms;
    }

    /** Throws KMS's NotFoundException if the alias does not exist (the stack was never provisioned). */
    public Rotated rotate(String alias, String stackName) {
        String oldKeyArn = kms.describeKey(describe -> describe.keyId(alias)).keyMetadata().arn();
        KeyMetadata created = kms.createKey(create -> create
                .description("cryptopipe (" + stackName + ") data-key wrapping key, made by rotate-key on "
                        + LocalDate.now(ZoneOffset.UTC))
                .tags(Tag.builder().tagKey(STACK_TAG).tagValue(stackName).build())).keyMetadata();
        // Key ids, not ARNs: moto mishandles an ARN in some key operations (DisableKey answers 500).
        kms.enableKeyRotation(rotation -> rotation.keyId(created.keyId())); // yearly, like the stack's own key
        kms.updateAlias(update -> update.aliasName(alias).targetKeyId(created.keyId()));
        return new Rotated(alias, oldKeyArn, created.arn());
    }
}
