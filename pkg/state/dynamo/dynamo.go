// Package dynamo is the production state.Store: one DynamoDB table through aws-sdk-go-v2.
//
// Table schema (template.yaml declares the same): partition key pk (S) = Key.Partition, sort key sk (S)
// = Key.Sort; attributes ver (N) the record version, val (B) the value, and ttl (N, epoch seconds) the
// expiry, which is also the table's TTL attribute. DynamoDB's TTL sweeper deletes expired items up to
// days late, so every read and every condition treats an item whose ttl is not after now as absent.
// All reads are strongly consistent: the renewal protocol reads a quote and then writes it conditionally.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/bsswatch/bsswatch/pkg/state"
)

// Attribute names of the table.
const (
	attrPartition = "pk"
	attrSort      = "sk"
	attrVersion   = "ver"
	attrValue     = "val"
	attrTTL       = "ttl"
)

// Options tune a Store. The zero value is ready to use.
type Options struct {
	// Now is the clock that decides expiry; nil means time.Now.
	Now func() time.Time
}

// Store is a state.Store backed by one DynamoDB table. It is safe for concurrent use.
type Store struct {
	client *dynamodb.Client
	table  string
	now    func() time.Time
}

var _ state.Store = (*Store)(nil)

// New returns a store over table, which must have the schema in the package doc (CreateTable makes one).
func New(client *dynamodb.Client, table string, opts Options) *Store {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Store{client: client, table: table, now: now}
}

// Attribute-name placeholders: ttl is a DynamoDB reserved word, and DynamoDB rejects placeholders that an
// expression does not use, so each call names exactly its own.
var (
	namesAbsent = map[string]string{"#pk": attrPartition, "#ttl": attrTTL}
	namesAtVer  = map[string]string{"#ver": attrVersion, "#ttl": attrTTL}
)

// Conditions on the stored item. :now is the current epoch second; an item is live while ttl > :now,
// which matches state.Live for expiries kept to the second.
const (
	condLive   = "(attribute_not_exists(#ttl) OR #ttl > :now)"
	condAbsent = "(attribute_not_exists(#pk) OR #ttl <= :now)"
	condAtVer  = "#ver = :ver AND " + condLive
)

// Get returns the live record at key, ErrNotFound, ErrInvalid for an invalid key, or the SDK's error.
func (s *Store) Get(ctx context.Context, key state.Key) (state.Record, error) {
	if err := key.Validate(); err != nil {
		return state.Record{}, fmt.Errorf("dynamo: get %s: %w", key, err)
	}
	rec, err := s.get(ctx, key)
	if err != nil {
		return state.Record{}, fmt.Errorf("dynamo: get %s: %w", key, err)
	}
	return rec, nil
}

func (s *Store) get(ctx context.Context, key state.Key) (state.Record, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            itemKey(key),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return state.Record{}, err
	}
	if out.Item == nil {
		return state.Record{}, state.ErrNotFound
	}
	rec, err := decode(out.Item)
	if err != nil {
		return state.Record{}, err
	}
	if !state.Live(rec.ExpiresAt, s.now()) {
		return state.Record{}, state.ErrNotFound
	}
	return rec, nil
}

// Put stores rec if the live stored version equals rec.Version (one conditional PutItem) and returns it
// with Version+1 and ExpiresAt truncated to the second. It returns ErrConflict if another version is
// stored, ErrInvalid for a record that fails Validate, or the SDK's error.
func (s *Store) Put(ctx context.Context, rec state.Record) (state.Record, error) {
	if err := rec.Validate(); err != nil {
		return state.Record{}, fmt.Errorf("dynamo: put %s: %w", rec.Key, err)
	}
	out := rec
	out.Version = rec.Version + 1
	item := itemKey(rec.Key)
	item[attrVersion] = number(out.Version)
	// The SDK drops a nil slice and DynamoDB then rejects the empty attribute value; send an empty one.
	val := rec.Value
	if val == nil {
		val = []byte{}
	}
	item[attrValue] = &types.AttributeValueMemberB{Value: val}
	if !rec.ExpiresAt.IsZero() {
		out.ExpiresAt = time.Unix(rec.ExpiresAt.Unix(), 0).UTC()
		item[attrTTL] = number(out.ExpiresAt.Unix())
	}
	values := map[string]types.AttributeValue{":now": number(s.now().Unix())}
	cond, names := condAbsent, namesAbsent
	if rec.Version != 0 {
		cond, names = condAtVer, namesAtVer
		values[":ver"] = number(rec.Version)
	}
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(s.table),
		Item:                      item,
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	if err != nil {
		return state.Record{}, fmt.Errorf("dynamo: put %s at version %d: %w", rec.Key, rec.Version, conflict(err))
	}
	return out, nil
}

// Delete removes the live record at key if its version equals version (one conditional DeleteItem). It
// returns ErrNotFound if no live record exists, ErrConflict if another version is stored, ErrInvalid
// for an invalid key, or the SDK's error.
func (s *Store) Delete(ctx context.Context, key state.Key, version int64) error {
	if err := key.Validate(); err != nil {
		return fmt.Errorf("dynamo: delete %s: %w", key, err)
	}
	_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                aws.String(s.table),
		Key:                      itemKey(key),
		ConditionExpression:      aws.String(condAtVer),
		ExpressionAttributeNames: namesAtVer,
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":ver": number(version),
			":now": number(s.now().Unix()),
		},
	})
	if err = conflict(err); errors.Is(err, state.ErrConflict) {
		// The condition cannot tell "absent" from "other version". A consistent read can; if the item
		// changes in between, either answer was true at some instant during the call.
		if _, gerr := s.get(ctx, key); errors.Is(gerr, state.ErrNotFound) {
			err = state.ErrNotFound
		}
	}
	if err != nil {
		return fmt.Errorf("dynamo: delete %s at version %d: %w", key, version, err)
	}
	return nil
}

// List returns the live records of partition whose Sort starts with sortPrefix, in Sort order (UTF-8
// bytes, as DynamoDB orders string sort keys). It pages the strongly consistent Query to the end. It
// returns ErrInvalid for an empty partition, or the SDK's error.
func (s *Store) List(ctx context.Context, partition, sortPrefix string) ([]state.Record, error) {
	if partition == "" {
		return nil, fmt.Errorf("dynamo: list %q: %w: empty partition", partition, state.ErrInvalid)
	}
	keyCond := "#pk = :pk"
	names := map[string]string{"#pk": attrPartition, "#ttl": attrTTL}
	values := map[string]types.AttributeValue{
		":pk":  &types.AttributeValueMemberS{Value: partition},
		":now": number(s.now().Unix()),
	}
	// DynamoDB rejects an empty string in begins_with on a key, and an empty prefix matches all anyway.
	if sortPrefix != "" {
		keyCond += " AND begins_with(#sk, :prefix)"
		names["#sk"] = attrSort
		values[":prefix"] = &types.AttributeValueMemberS{Value: sortPrefix}
	}
	p := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String(keyCond),
		FilterExpression:          aws.String(condLive),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ConsistentRead:            aws.Bool(true),
	})
	var recs []state.Record
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("dynamo: list %s/%s*: %w", partition, sortPrefix, err)
		}
		for _, item := range page.Items {
			rec, err := decode(item)
			if err != nil {
				return nil, fmt.Errorf("dynamo: list %s/%s*: %w", partition, sortPrefix, err)
			}
			recs = append(recs, rec)
		}
	}
	return recs, nil
}

// conflict turns a failed condition into state.ErrConflict and leaves other errors as they are.
func conflict(err error) error {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return state.ErrConflict
	}
	return err
}

func itemKey(k state.Key) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrPartition: &types.AttributeValueMemberS{Value: k.Partition},
		attrSort:      &types.AttributeValueMemberS{Value: k.Sort},
	}
}

func number(n int64) *types.AttributeValueMemberN {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

var errBadItem = errors.New("malformed item")

func decode(item map[string]types.AttributeValue) (state.Record, error) {
	var rec state.Record
	pk, ok1 := item[attrPartition].(*types.AttributeValueMemberS)
	sk, ok2 := item[attrSort].(*types.AttributeValueMemberS)
	if !ok1 || !ok2 {
		return rec, fmt.Errorf("%w: no string pk and sk", errBadItem)
	}
	rec.Key = state.Key{Partition: pk.Value, Sort: sk.Value}
	ver, err := intAttr(item, attrVersion)
	if err != nil || ver < 1 {
		return rec, fmt.Errorf("%w at %s: bad %s", errBadItem, rec.Key, attrVersion)
	}
	rec.Version = ver
	switch v := item[attrValue].(type) {
	case *types.AttributeValueMemberB:
		rec.Value = v.Value
	case nil:
	default:
		return rec, fmt.Errorf("%w at %s: %s is not binary", errBadItem, rec.Key, attrValue)
	}
	if _, ok := item[attrTTL]; ok {
		ttl, err := intAttr(item, attrTTL)
		if err != nil {
			return rec, fmt.Errorf("%w at %s: bad %s", errBadItem, rec.Key, attrTTL)
		}
		rec.ExpiresAt = time.Unix(ttl, 0).UTC()
	}
	return rec, nil
}

func intAttr(item map[string]types.AttributeValue, name string) (int64, error) {
	n, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, errBadItem
	}
	return strconv.ParseInt(n.Value, 10, 64)
}
