window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1766100000000000500"
          ],
          "editableUntil" : "2024-03-07T14:00:00.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [
          {
            "text" : "SaveTheRiver",
            "indices" : [
              "44",
              "57"
            ]
          }
        ],
        "symbols" : [],
        "user_mentions" : [
          {
            "name" : "Ally Org",
            "screen_name" : "ally_org",
            "indices" : [
              "3",
              "12"
            ],
            "id_str" : "1500000000000000002",
            "id" : "1500000000000000002"
          }
        ],
        "urls" : [
          {
            "url" : "https://t.co/aaa",
            "expanded_url" : "https://news.example.org/river",
            "display_url" : "news.example.org/river…",
            "indices" : [
              "58",
              "81"
            ]
          }
        ]
      },
      "display_text_range" : [
        "0",
        "75"
      ],
      "favorite_count" : "0",
      "id_str" : "1766100000000000500",
      "truncated" : false,
      "retweet_count" : "57",
      "id" : "1766100000000000500",
      "created_at" : "Thu Mar 07 13:00:00 +0000 2024",
      "favorited" : false,
      "full_text" : "RT @ally_org: Great news for the river today #SaveTheRiver https://t.co/aaa",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "edit" : {
          "initialTweetId" : "1766000000000000400",
          "editControlInitial" : {
            "editTweetIds" : [
              "1766000000000000400",
              "1766000000000000450"
            ],
            "editableUntil" : "2024-03-07T10:00:00.000Z",
            "editsRemaining" : "4",
            "isEditEligible" : true
          }
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [
          {
            "text" : "SaveTheRiver",
            "indices" : [
              "37",
              "50"
            ]
          }
        ],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [
          {
            "url" : "https://t.co/pet",
            "expanded_url" : "https://act.example.org/petition?utm_source=twitter",
            "display_url" : "act.example.org/petition…",
            "indices" : [
              "51",
              "74"
            ]
          }
        ]
      },
      "display_text_range" : [
        "0",
        "67"
      ],
      "favorite_count" : "12",
      "id_str" : "1766000000000000450",
      "truncated" : false,
      "retweet_count" : "4",
      "id" : "1766000000000000450",
      "created_at" : "Thu Mar 07 09:20:00 +0000 2024",
      "favorited" : false,
      "full_text" : "Sign the petition to save the river! #SaveTheRiver https://t.co/pet",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1766000000000000400",
            "1766000000000000450"
          ],
          "editableUntil" : "2024-03-07T10:00:00.000Z",
          "editsRemaining" : "4",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [
          {
            "text" : "SaveTheRiver",
            "indices" : [
              "37",
              "50"
            ]
          }
        ],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [
          {
            "url" : "https://t.co/pet",
            "expanded_url" : "https://act.example.org/petition?utm_source=twitter",
            "display_url" : "act.example.org/petition…",
            "indices" : [
              "51",
              "74"
            ]
          }
        ]
      },
      "display_text_range" : [
        "0",
        "67"
      ],
      "favorite_count" : "2",
      "id_str" : "1766000000000000400",
      "truncated" : false,
      "retweet_count" : "1",
      "id" : "1766000000000000400",
      "created_at" : "Thu Mar 07 09:00:00 +0000 2024",
      "favorited" : false,
      "full_text" : "Sign teh petition to save the river! #SaveTheRiver https://t.co/pet",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1765000000000000300"
          ],
          "editableUntil" : "2024-03-04T11:30:00.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [
          {
            "text" : "SaveTheRiver",
            "indices" : [
              "33",
              "46"
            ]
          }
        ],
        "symbols" : [],
        "user_mentions" : [
          {
            "name" : "City Council",
            "screen_name" : "City_Council",
            "indices" : [
              "0",
              "13"
            ],
            "id_str" : "1300000000000000003",
            "id" : "1300000000000000003"
          }
        ],
        "urls" : [],
        "media" : [
          {
            "expanded_url" : "https://twitter.com/Rally_Org/status/1765000000000000300/photo/1",
            "indices" : [
              "40",
              "63"
            ],
            "url" : "https://t.co/pic",
            "media_url" : "http://pbs.twimg.com/media/pic.jpg",
            "id_str" : "1765000000000000301",
            "id" : "1765000000000000301",
            "media_url_https" : "https://pbs.twimg.com/media/pic.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "large" : {
                "w" : "1200",
                "h" : "800",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/pic"
          }
        ]
      },
      "display_text_range" : [
        "0",
        "63"
      ],
      "favorite_count" : "3",
      "id_str" : "1765000000000000300",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1765000000000000300",
      "created_at" : "Mon Mar 04 10:30:00 +0000 2024",
      "favorited" : false,
      "full_text" : "@City_Council when will you act? #SaveTheRiver https://t.co/pic",
      "lang" : "en",
      "in_reply_to_status_id_str" : "1764900000000000999",
      "in_reply_to_status_id" : "1764900000000000999",
      "in_reply_to_user_id" : "1300000000000000003",
      "in_reply_to_user_id_str" : "1300000000000000003",
      "in_reply_to_screen_name" : "City_Council",
      "possibly_sensitive" : false,
      "extended_entities" : {
        "media" : [
          {
            "expanded_url" : "https://twitter.com/Rally_Org/status/1765000000000000300/photo/1",
            "indices" : [
              "40",
              "63"
            ],
            "url" : "https://t.co/pic",
            "media_url" : "http://pbs.twimg.com/media/pic.jpg",
            "id_str" : "1765000000000000301",
            "id" : "1765000000000000301",
            "media_url_https" : "https://pbs.twimg.com/media/pic.jpg",
            "sizes" : {
              "thumb" : {
                "w" : "150",
                "h" : "150",
                "resize" : "crop"
              },
              "large" : {
                "w" : "1200",
                "h" : "800",
                "resize" : "fit"
              }
            },
            "type" : "photo",
            "display_url" : "pic.twitter.com/pic"
          }
        ]
      }
    }
  }
]