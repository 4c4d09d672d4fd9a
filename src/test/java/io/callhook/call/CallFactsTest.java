package io.callhook.call;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CallFactsTest {

    @Test
    void durationReadsAsMinutesAndSecondsAndNamesHoursPastAnHour() {
        assertThat(CallFacts.duration(240)).isEqualTo("4m 0s");
        assertThat(CallFacts.duration(35)).isEqualTo("0m 35s");
        assertThat(CallFacts.duration(0)).isEqualTo("0m 0s");
        assertThat(CallFacts.duration(3725)).isEqualTo("1h 2m 5s");
        assertThat(CallFacts.duration(null)).isEqualTo(CallFacts.NONE);
    }

    @Test
    void outcomeFollowsCallSuccessfulWithNullAsUnknown() {
        assertThat(CallFacts.outcome(true)).isEqualTo("successful");
        assertThat(CallFacts.outcome(false)).isEqualTo("unsuccessful");
        assertThat(CallFacts.outcome(null)).isEqualTo("unknown");
    }

    @Test
    void customerWithoutNameIsNamedByPhoneThenAsUnknown() {
        Map<String, Object> data = new HashMap<>();
        data.put("customerName", null);
        data.put("customerPhone", "+1234567890");
        assertThat(CallFacts.of(data).customerName()).isEqualTo("+1234567890");

        data.remove("customerPhone");
        CallFacts facts = CallFacts.of(data);
        assertThat(facts.customerName()).isEqualTo("an unknown customer");
        assertThat(facts.customerPhone()).isEqualTo(CallFacts.NONE);
        assertThat(facts.outcomeTitle()).isEqualTo("Outcome unknown");
    }

    @Test
    void directionAndTokenCostReadNaturally() {
        CallFacts facts = CallFacts.of(Map.of(
                "deliveryId",
                "d",
                "event",
                "call.ended",
                "direction",
                "OUTBOUND",
                "tokenCost",
                new java.math.BigDecimal("12.500000")));
        assertThat(facts.direction()).isEqualTo("Outbound");
        assertThat(facts.tokenCost()).as("as the database gives it back").isEqualTo("12.5");
    }

    @Test
    void timesReadAsInstantsToTheSecond() {
        CallFacts facts = CallFacts.of(
                Map.of("startedAt", java.time.OffsetDateTime.parse("2026-04-05T16:00:00+02:00"), "endedAt", "later"));
        assertThat(facts.startedAt()).isEqualTo("2026-04-05T14:00:00Z");
        assertThat(facts.endedAt()).isEqualTo("later");
    }
}
